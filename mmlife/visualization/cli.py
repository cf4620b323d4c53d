"""The commands behind ``tools/visualization/*.py``: Attention Roll-Out of a classifier
(:func:`attention_rollout_main`), Dense Attention Roll-Out of a segmentor or detector
(:func:`dense_rollout_main`) and the side-by-side comparison of a model without and with LIFE
(:func:`compare_rollout_main`), with their shared option and file handling."""
import argparse
import os
import os.path as osp
from collections import Counter
from typing import List, Optional, Sequence

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options every roll-out tool takes."""
    from mmengine.config import DictAction
    parser.add_argument('--out', required=True, help='output folder for the PNGs')
    parser.add_argument('--device', default=None,
                        help='torch device (default: cuda if available, else cpu)')
    parser.add_argument('--head-fusion', default='mean', choices=['mean', 'max', 'min'],
                        help='how to fuse the heads of each block (default: mean)')
    parser.add_argument('--discard-ratio', type=float, default=0.0,
                        help='fraction of the lowest attention weights of every row to drop '
                        'before rolling out (default: 0)')
    parser.add_argument('--alpha', type=float, default=0.5, help='heat-map opacity in blends')
    parser.add_argument('--normalize', default='minmax', choices=['minmax', 'max'],
                        help='display scaling of roll-out / global maps: stretch [min, max] to '
                        '[0, 1] (default) or divide by the maximum')
    parser.add_argument('--limit', type=int, default=None,
                        help='use at most this many images (after expanding folders)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs (applied to every config)')


def default_device(device: Optional[str]) -> str:
    if device:
        return device
    import torch
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def collect_images(paths: Sequence[str], limit: Optional[int] = None) -> List[str]:
    """Image files given directly or found (recursively, sorted) in the given folders; a file
    reached twice (given and inside a given folder) is kept once."""
    images, seen = [], set()
    for path in paths:
        if osp.isdir(path):
            found = []
            for root, _, files in sorted(os.walk(path)):
                found += [osp.join(root, f) for f in sorted(files)
                          if f.lower().endswith(IMAGE_EXTENSIONS)]
        elif osp.isfile(path):
            found = [path]
        else:
            raise FileNotFoundError(f'no such image or folder: {path}')
        for image in found:
            if osp.realpath(image) not in seen:
                seen.add(osp.realpath(image))
                images.append(image)
    if not images:
        raise ValueError(f'no image found in {list(paths)}')
    return images[:limit] if limit else images


def output_names(paths: Sequence[str], suffix: str) -> List[str]:
    """One distinct output file name per input image.

    Each name is ``<parent>_<stem><suffix>.png``; where two inputs would get the same name
    (``a/3/x.png`` and ``b/3/x.png``), those take more of their folders (``a_3_x``, ``b_3_x``)
    until the names differ, and inputs that still clash get ``_2``, ``_3``... .
    """
    parts = []
    for path in paths:
        folders = osp.dirname(osp.abspath(path)).strip(os.sep).split(os.sep)
        parts.append([p for p in folders if p] + [osp.splitext(osp.basename(path))[0]])
    depth = [min(2, len(p)) for p in parts]
    while True:
        names = ['_'.join(p[-d:]) for p, d in zip(parts, depth)]
        count = Counter(names)
        clashes = [i for i, n in enumerate(names) if count[n] > 1 and depth[i] < len(parts[i])]
        if not clashes:
            break
        for i in clashes:
            depth[i] += 1
    used, out = set(), []
    for name in names:
        unique, k = name, 1
        while unique in used:
            k += 1
            unique = f'{name}_{k}'
        used.add(unique)
        out.append(f'{unique}{suffix}.png')
    return out


def whole_image_inference(model, task: str) -> None:
    """Dense roll-out needs one forward over the whole image: switch an mmseg model that slides
    a window over the image to whole-image inference (prints a note)."""
    test_cfg = getattr(model, 'test_cfg', None)
    if task == 'seg' and test_cfg is not None and test_cfg.get('mode', 'whole') != 'whole':
        print(f'note: switching segmentation inference from mode={test_cfg["mode"]!r} to '
              "'whole' (dense roll-out needs one forward over the whole image)")
        test_cfg['mode'] = 'whole'


def add_dense_args(parser: argparse.ArgumentParser) -> None:
    """Options of the dense roll-out tools."""
    parser.add_argument('--score-thr', type=float, default=0.5,
                        help='detection: explain boxes with at least this score')
    parser.add_argument('--max-classes', type=int, default=6,
                        help='at most this many class maps per image')
    parser.add_argument('--with-backbone', action='store_true',
                        help='detection: roll out through a ViT backbone too (same token grid)')
    parser.add_argument('--min-area', type=float, default=0.005,
                        help='segmentation: skip classes covering less of the image than this')


def run_dense(model, task, image, args):
    """One image through :func:`seg_dense_rollout` / :func:`det_dense_rollout`."""
    from .inference import det_dense_rollout, seg_dense_rollout
    if task == 'seg':
        return seg_dense_rollout(model, image, args.head_fusion, args.discard_ratio,
                                 args.max_classes, args.min_area)
    if task == 'det':
        res = det_dense_rollout(model, image, args.score_thr, args.head_fusion,
                                args.discard_ratio, args.max_classes, args.with_backbone)
        if not res.class_ids:
            print(f'note: {image}: no detection with score >= {args.score_thr} (--score-thr): '
                  'global attention only')
        return res
    raise SystemExit('this is a classification config: use '
                     'tools/visualization/attention_rollout.py')


def _init(config, checkpoint, args):
    from .inference import init_model
    return init_model(config, checkpoint, default_device(args.device), args.cfg_options)


def attention_rollout_main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """``tools/visualization/attention_rollout.py``: one roll-out figure per image (image |
    heat map | blend, titled with the predicted class); returns the files written."""
    from .figures import plot_cls_rollout
    from .inference import classifier_rollout
    parser = argparse.ArgumentParser(
        description="Attention Roll-Out of a classifier's cls token, as PNG overlays")
    parser.add_argument('config', help='classification config (mmpretrain)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--batch-size', type=int, default=16, help='images per forward')
    add_common_args(parser)
    args = parser.parse_args(argv)
    model, task = _init(args.config, args.checkpoint, args)
    if task != 'cls':
        raise SystemExit(f'{args.config} is a {task} config: use '
                         'tools/visualization/dense_rollout.py for detection and segmentation')
    images = collect_images(args.images, args.limit)
    results = classifier_rollout(model, images, args.head_fusion, args.discard_ratio,
                                 args.batch_size)
    written = []
    for name, res in zip(output_names(images, '_rollout'), results):
        written.append(plot_cls_rollout(
            res, osp.join(args.out, name), alpha=args.alpha, normalize=args.normalize))
    print(f'wrote {len(written)} figure(s) to {args.out}')
    return written


def dense_rollout_main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """``tools/visualization/dense_rollout.py``: one Dense Roll-Out figure per image (input |
    prediction | global attention | class maps); returns the files written."""
    from .figures import plot_dense_rollout
    parser = argparse.ArgumentParser(
        description='Dense Attention Roll-Out of a segmentor (mmseg) or DETR detector (mmdet)')
    parser.add_argument('config', help='segmentation (mmseg) or detection (mmdet) config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files or folders')
    add_dense_args(parser)
    add_common_args(parser)
    args = parser.parse_args(argv)
    model, task = _init(args.config, args.checkpoint, args)
    whole_image_inference(model, task)
    written = []
    images = collect_images(args.images, args.limit)
    for path, name in zip(images, output_names(images, '_dense')):
        res = run_dense(model, task, path, args)
        written.append(plot_dense_rollout(
            [(None, res)], osp.join(args.out, name), alpha=args.alpha, normalize=args.normalize))
    print(f'wrote {len(written)} figure(s) to {args.out}')
    return written


def compare_rollout_main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """``tools/visualization/compare_rollout.py``: the same images through a model without
    and with LIFE, one row each; returns the files written."""
    from .figures import plot_cls_comparison, plot_dense_rollout
    from .inference import classifier_rollout
    parser = argparse.ArgumentParser(
        description='The same images through a model without LIFE and with LIFE: roll-outs')
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
    args = parser.parse_args(argv)
    configs = [(args.base_config, args.base_checkpoint), (args.life_config, args.life_checkpoint)]
    names = args.names or [osp.splitext(osp.basename(c))[0] for c, _ in configs]
    models = [_init(c, ckpt, args) for c, ckpt in configs]
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
