"""Shared command-line plumbing of ``tools/visualization/*.py``."""
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
        return det_dense_rollout(model, image, args.score_thr, args.head_fusion,
                                 args.discard_ratio, args.max_classes, args.with_backbone)
    raise SystemExit('this is a classification config: use '
                     'tools/visualization/attention_rollout.py')
