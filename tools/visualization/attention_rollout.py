"""Attention Roll-Out (Abnar & Zuidema 2020) of a classifier's cls token, as PNG overlays.

    python tools/visualization/attention_rollout.py CONFIG CHECKPOINT IMAGES... --out DIR \
        [--head-fusion mean|max|min] [--discard-ratio 0.9] [--device cpu] [--limit N]

IMAGES are image files and/or folders (searched recursively). For every image it writes
``DIR/<parent>_<stem>_rollout.png``: the image as the network sees it | the roll-out heat map |
the blend, titled with the predicted class.
"""
import argparse
import os.path as osp

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization import classifier_rollout, init_model
from mmlife.visualization.cli import (add_common_args, collect_images, default_device,
                                      output_names)
from mmlife.visualization.figures import plot_cls_rollout


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='classification config (mmpretrain)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--batch-size', type=int, default=16, help='images per forward')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, task = init_model(args.config, args.checkpoint, default_device(args.device),
                             args.cfg_options)
    if task != 'cls':
        raise SystemExit(f'{args.config} is a {task} config: use '
                         'tools/visualization/dense_rollout.py for detection and segmentation')
    images = collect_images(args.images, args.limit)
    results = classifier_rollout(model, images, args.head_fusion, args.discard_ratio,
                                 args.batch_size)
    written = []
    for name, res in zip(output_names(images, '_rollout'), results):
        written.append(plot_cls_rollout(res, osp.join(args.out, name), alpha=args.alpha,
                                        normalize=args.normalize))
    print(f'wrote {len(written)} figure(s) to {args.out}')
    return written


if __name__ == '__main__':
    main()
