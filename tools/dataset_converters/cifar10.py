"""Official CIFAR-10 python pickles -> image folder ``OUT/{train,test}/<class>/<nnnnn>.png``.

    python tools/dataset_converters/cifar10.py path/to/cifar-10-batches-py data/cifar10

What it reads and writes: :mod:`mmlife.datasets.converters.cifar10`.
"""
import argparse

from mmlife.datasets.converters.cifar10 import convert_cifar10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the extracted cifar-10-batches-py folder')
    parser.add_argument('out_dir')
    args = parser.parse_args()
    print(convert_cifar10(args.src, args.out_dir))


if __name__ == '__main__':
    main()
