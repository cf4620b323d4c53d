"""Tiny-ImageNet (``tiny-imagenet-200``) -> labelled image folders ``OUT/{train,val}/<wnid>/``.

    python tools/dataset_converters/tiny_imagenet.py path/to/tiny-imagenet-200 data/tiny-imagenet

The official archive keeps the training images in ``train/<wnid>/images/`` but the validation
images unlabelled in ``val/images/``, with their classes in ``val/val_annotations.txt``
(``file<TAB>wnid<TAB>x0<TAB>y0<TAB>x1<TAB>y1``). This writes both splits as one folder per wnid,
the layout of ``configs/classification/_base_/datasets/tinyimagenet_bs64_folder.py``, as symbolic
links to the original images (``--copy`` copies them instead). The unlabelled test split is
skipped.
"""
import os
import os.path as osp
import shutil


def _place(src: str, dst: str, copy: bool) -> None:
    if not osp.isfile(src):
        raise FileNotFoundError(f'{src} not found')
    os.makedirs(osp.dirname(dst), exist_ok=True)
    if osp.lexists(dst):
        os.remove(dst)
    if copy:
        shutil.copy2(src, dst)
    else:
        os.symlink(osp.abspath(src), dst)


def read_val_annotations(path: str) -> dict:
    """``val_annotations.txt`` -> ``{file name: wnid}``."""
    labels = {}
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip('\n').split('\t')
            if len(fields) < 2:
                raise ValueError(f'{path}:{i}: expected "file<TAB>wnid<TAB>box...", got {line!r}')
            labels[fields[0]] = fields[1]
    return labels


def convert_tiny_imagenet(src: str, out_dir: str, copy: bool = False) -> dict:
    """Write ``out_dir/{train,val}/<wnid>/<image>``; returns the number of images per split."""
    wnids_path = osp.join(src, 'wnids.txt')
    if not osp.isfile(wnids_path):
        raise FileNotFoundError(f'{wnids_path} not found: pass the tiny-imagenet-200 folder')
    with open(wnids_path) as f:
        wnids = [w.strip() for w in f if w.strip()]

    counts = {'train': 0, 'val': 0}
    for wnid in wnids:
        folder = osp.join(src, 'train', wnid, 'images')
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder} not found (class {wnid} of wnids.txt)')
        for name in sorted(os.listdir(folder)):
            _place(osp.join(folder, name), osp.join(out_dir, 'train', wnid, name), copy)
            counts['train'] += 1

    known = set(wnids)
    labels = read_val_annotations(osp.join(src, 'val', 'val_annotations.txt'))
    for name, wnid in sorted(labels.items()):
        if wnid not in known:
            raise ValueError(f'val image {name} has class {wnid}, which is not in wnids.txt')
        _place(osp.join(src, 'val', 'images', name), osp.join(out_dir, 'val', wnid, name), copy)
        counts['val'] += 1
    return counts
