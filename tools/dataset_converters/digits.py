"""scikit-learn's bundled digits (1,797 real 8x8 scans, 10 classes) -> a CIFAR-like image folder.

    python tools/dataset_converters/digits.py data/digits [--size 32] [--test-ratio 0.2]

What it reads and writes: :mod:`mmlife.datasets.converters.digits`.
"""
import argparse

from mmlife.datasets.converters.digits import convert_digits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--test-ratio', type=float, default=0.2)
    args = parser.parse_args()
    print(convert_digits(args.out_dir, args.size, args.test_ratio))


if __name__ == '__main__':
    main()
