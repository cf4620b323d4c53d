"""Dense Attention Roll-Out of a segmentor (mmseg) or DETR detector (mmdet), paper layout.

    python tools/visualization/dense_rollout.py CONFIG CHECKPOINT IMAGES... --out DIR \
        [--score-thr 0.5] [--max-classes 6] [--head-fusion mean] [--discard-ratio 0.0]

For every image it writes ``DIR/<parent>_<stem>_dense.png``: input | prediction | global
attention (mean roll-out over all tokens) | one class-specific map per predicted class (largest
area / highest score first), the class name above it. Segmentors that slide a window are run on
the whole image (one forward), so the prediction shown is the one the attention explains.
"""
import argparse
import os.path as osp

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization import init_model
from mmlife.visualization.cli import (add_common_args, add_dense_args, collect_images,
                                      default_device, output_names, run_dense,
                                      whole_image_inference)
from mmlife.visualization.figures import plot_dense_rollout


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='segmentation (mmseg) or detection (mmdet) config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files or folders')
    add_dense_args(parser)
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, task = init_model(args.config, args.checkpoint, default_device(args.device),
                             args.cfg_options)
    whole_image_inference(model, task)
    written = []
    images = collect_images(args.images, args.limit)
    for path, name in zip(images, output_names(images, '_dense')):
        res = run_dense(model, task, path, args)
        written.append(plot_dense_rollout(
            [(None, res)], osp.join(args.out, name), alpha=args.alpha, normalize=args.normalize))
    print(f'wrote {len(written)} figure(s) to {args.out}')
    return written


if __name__ == '__main__':
    main()
