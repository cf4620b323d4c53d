"""Tiny-ImageNet (``tiny-imagenet-200``) -> labelled image folders ``OUT/{train,val}/<wnid>/``.

    python tools/dataset_converters/tiny_imagenet.py path/to/tiny-imagenet-200 data/tiny-imagenet

The official archive keeps the training images in ``train/<wnid>/images/`` but the validation
images unlabelled in ``val/images/``, with their classes in ``val/val_annotations.txt``
(``file<TAB>wnid<TAB>x0<TAB>y0<TAB>x1<TAB>y1``). This writes both splits as one folder per wnid,
the layout of ``configs/classification/_base_/datasets/tinyimagenet_bs64_folder.py``, as symbolic
links to the original images (``--copy`` copies them instead). The unlabelled test split is
skipped.
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
