"""Official CIFAR-100 python pickles -> image folder ``OUT/{train,test}/<fine class>/<nnnnn>.png``.

    python tools/dataset_converters/cifar100.py path/to/cifar-100-python data/cifar100

What it reads and writes: :mod:`mmlife.datasets.converters.cifar100`.
"""
import argparse

from mmlife.datasets.converters.cifar100 import convert_cifar100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the extracted cifar-100-python folder')
    parser.add_argument('out_dir')
    args = parser.parse_args()
    print(convert_cifar100(args.src, args.out_dir))


if __name__ == '__main__':
    main()
