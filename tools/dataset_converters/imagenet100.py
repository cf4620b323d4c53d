"""ImageNet-1k -> ImageNet-100 (the standard 100-class subset) by symbolic links.

    python tools/dataset_converters/imagenet100.py data/imagenet data/imagenet100 [--classes F]

What it reads and writes: :mod:`mmlife.datasets.converters.imagenet100`.
"""
import argparse

from mmlife.datasets.converters.imagenet100 import IMAGENET100_CLASSES, make_imagenet100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='ImageNet-1k root with train/ and val/')
    parser.add_argument('out_dir')
    parser.add_argument('--classes', help='a text file of wnids, one a line (default: CMC list)')
    args = parser.parse_args()
    classes = IMAGENET100_CLASSES
    if args.classes:
        with open(args.classes) as f:
            classes = [w.strip() for w in f if w.strip()]
    print(make_imagenet100(args.src, args.out_dir, classes))


if __name__ == '__main__':
    main()
