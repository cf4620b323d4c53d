"""Tiny-ImageNet (``tiny-imagenet-200``) -> labelled image folders ``OUT/{train,val}/<wnid>/``.

    python tools/dataset_converters/tiny_imagenet.py path/to/tiny-imagenet-200 data/tiny-imagenet

What it reads and writes: :mod:`mmlife.datasets.converters.tiny_imagenet`.
"""
import argparse

from mmlife.datasets.converters.tiny_imagenet import convert_tiny_imagenet


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the extracted tiny-imagenet-200 folder')
    parser.add_argument('out_dir')
    parser.add_argument('--copy', action='store_true', help='copy images instead of linking')
    args = parser.parse_args()
    print(convert_tiny_imagenet(args.src, args.out_dir, args.copy))


if __name__ == '__main__':
    main()
