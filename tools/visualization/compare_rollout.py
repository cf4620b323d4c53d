"""The same images through a model without LIFE (top) and with LIFE (bottom): roll-out figures.

    python tools/visualization/compare_rollout.py \
        BASE_CONFIG BASE_CHECKPOINT LIFE_CONFIG LIFE_CHECKPOINT IMAGES... --out DIR \
        [--names "DeiT-T" "DeiT-T + LIFE"] [--head-fusion mean] [--discard-ratio 0.0]

Classification configs (mmpretrain): ``DIR/comparison[_k].png``, one column per image (up to
``--per-figure``): the input, then the roll-out blend of each model with its prediction.
Segmentation / detection configs: ``DIR/<parent>_<stem>_compare.png`` per image, one Dense
Roll-Out row per model (input | prediction | global | per-class maps, aligned by class).
"""
import argparse
import os.path as osp

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization import classifier_rollout, init_model
from mmlife.visualization.cli import (add_common_args, add_dense_args, collect_images,
                                      default_device, output_names, run_dense,
                                      whole_image_inference)
from mmlife.visualization.figures import plot_cls_comparison, plot_dense_rollout


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('base_config', help='config of the model without LIFE')
    parser.add_argument('base_checkpoint')
    parser.add_argument('life_config', help='config of the model with LIFE')
    parser.add_argument('life_checkpoint')
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--names', nargs=2, default=None, metavar=('BASE', 'LIFE'),
                        help='row labels (default: the config names)')
    parser.add_argument('--per-figure', type=int, default=8,
                        help='classification: images per figure')
    add_dense_args(parser)
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = default_device(args.device)
    configs = [(args.base_config, args.base_checkpoint), (args.life_config, args.life_checkpoint)]
    names = args.names or [osp.splitext(osp.basename(c))[0] for c, _ in configs]
    models = [init_model(c, ckpt, device, args.cfg_options) for c, ckpt in configs]
    tasks = {task for _, task in models}
    if len(tasks) != 1:
        raise SystemExit(f'the two configs are for different tasks: {sorted(tasks)}')
    task = tasks.pop()
    images = collect_images(args.images, args.limit)
    written = []
    if task == 'cls':
        rows = [(name, classifier_rollout(model, images, args.head_fusion, args.discard_ratio))
                for name, (model, _) in zip(names, models)]
        for k, start in enumerate(range(0, len(images), args.per_figure)):
            chunk = [(name, res[start:start + args.per_figure]) for name, res in rows]
            suffix = f'_{k}' if len(images) > args.per_figure else ''
            written.append(plot_cls_comparison(
                chunk, osp.join(args.out, f'comparison{suffix}.png'), alpha=args.alpha,
                normalize=args.normalize))
    else:
        for model, _ in models:
            whole_image_inference(model, task)
        for path, out_name in zip(images, output_names(images, '_compare')):
            rows = [(name, run_dense(model, task, path, args))
                    for name, (model, _) in zip(names, models)]
            written.append(plot_dense_rollout(
                rows, osp.join(args.out, out_name), alpha=args.alpha, normalize=args.normalize))
    print(f'wrote {len(written)} figure(s) to {args.out}')
    return written


if __name__ == '__main__':
    main()
