"""Segment one image with an mmlife segmentation config + checkpoint and save a coloured PNG.

    python demo/seg_image_demo.py IMAGE CONFIG CHECKPOINT [--out-file pred.png]
        [--device cpu] [--opacity 0.5] [--no-labels]

Uses mmseg's own APIs (``init_model``, ``inference_model``, ``show_result_pyplot``); the config's
``custom_imports`` registers mmlife's modules. The PNG shows the prediction in the dataset's
palette (stored in the checkpoint) blended over the image; ``--opacity 1`` gives the colour map
alone.
"""
import argparse

import torch
from mmseg.apis import inference_model, init_model, show_result_pyplot

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='segmentation config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', default='pred.png', help='where to write the PNG')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the colour map over the image, in (0, 1]')
    parser.add_argument('--no-labels', action='store_true', help='do not write class names')
    args = parser.parse_args()
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    return args


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, device=args.device)
    result = inference_model(model, args.img)
    show_result_pyplot(model, args.img, result, opacity=args.opacity, draw_gt=False,
                       show=False, with_labels=not args.no_labels, out_file=args.out_file)
    print(f'wrote {args.out_file}')


if __name__ == '__main__':
    main()
