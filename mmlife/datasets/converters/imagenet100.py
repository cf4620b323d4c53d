"""ImageNet-1k -> ImageNet-100 (the standard 100-class subset) by symbolic links.

    python tools/dataset_converters/imagenet100.py data/imagenet data/imagenet100 [--classes F]

ImageNet-100 is the 100-class subset of ImageNet-1k introduced by CMC (Tian et al., "Contrastive
Multiview Coding", 2019; list at github.com/HobbitLong/CMC/blob/master/imagenet100.txt) and used
by the LIFE paper. The source is an ImageNet-1k tree with ``train/<wnid>/`` and either
``val/<wnid>/`` or a flat ``val/`` with mmpretrain's ``meta/val.txt`` (``<file> <class index>``,
classes in sorted-wnid order). The result, ``OUT/{train,val}/<wnid>``, is the layout of
``configs/classification/_base_/datasets/imagenet100_bs64_224.py``: class folders are linked
whole; a flat val split is linked file by file. Nothing is copied.
"""
import os
import os.path as osp

#: the 100 ImageNet-1k wnids of ImageNet-100, in CMC's order
IMAGENET100_CLASSES = (
    'n02869837', 'n01749939', 'n02488291', 'n02107142', 'n13037406', 'n02091831', 'n04517823',
    'n04589890', 'n03062245', 'n01773797', 'n01735189', 'n07831146', 'n07753275', 'n03085013',
    'n04485082', 'n02105505', 'n01983481', 'n02788148', 'n03530642', 'n04435653', 'n02086910',
    'n02859443', 'n13040303', 'n03594734', 'n02085620', 'n02099849', 'n01558993', 'n04493381',
    'n02109047', 'n04111531', 'n02877765', 'n04429376', 'n02009229', 'n01978455', 'n02106550',
    'n01820546', 'n01692333', 'n07714571', 'n02974003', 'n02114855', 'n03785016', 'n03764736',
    'n03775546', 'n02087046', 'n07836838', 'n04099969', 'n04592741', 'n03891251', 'n02701002',
    'n03379051', 'n02259212', 'n07715103', 'n03947888', 'n04026417', 'n02326432', 'n03637318',
    'n01980166', 'n02113799', 'n02086240', 'n03903868', 'n02483362', 'n04127249', 'n02089973',
    'n03017168', 'n02093428', 'n02804414', 'n02396427', 'n04418357', 'n02172182', 'n01729322',
    'n02113978', 'n03787032', 'n02089867', 'n02119022', 'n03777754', 'n04238763', 'n02231487',
    'n03032252', 'n02138441', 'n02104029', 'n03837869', 'n03494278', 'n04136333', 'n03794056',
    'n03492542', 'n02018207', 'n04067472', 'n03930630', 'n03584829', 'n02123045', 'n04229816',
    'n02100583', 'n03642806', 'n04336792', 'n03259280', 'n02116738', 'n02108089', 'n03424325',
    'n01855672', 'n02090622')


def _link(src: str, dst: str) -> None:
    os.makedirs(osp.dirname(dst), exist_ok=True)
    if osp.lexists(dst):
        os.remove(dst)
    os.symlink(osp.abspath(src), dst)


def _flat_val(src: str, classes, out_dir: str) -> int:
    """Link a flat ``val/`` labelled by ``meta/val.txt`` into class folders."""
    meta = osp.join(src, 'meta', 'val.txt')
    if not osp.isfile(meta):
        raise FileNotFoundError(f'{src}/val has no class folders for {classes[0]} and {meta} '
                                'does not exist: cannot label the validation images')
    all_wnids = sorted(d for d in os.listdir(osp.join(src, 'train'))
                       if osp.isdir(osp.join(src, 'train', d)))
    if len(all_wnids) != 1000:
        raise ValueError(f'meta/val.txt indexes the 1000 sorted train folders, but '
                         f'{src}/train has {len(all_wnids)}')
    wanted = set(classes)
    n = 0
    with open(meta) as f:
        for line in f:
            if not line.strip():
                continue
            name, index = line.split()
            wnid = all_wnids[int(index)]
            if wnid in wanted:
                _link(osp.join(src, 'val', name), osp.join(out_dir, 'val', wnid,
                                                             osp.basename(name)))
                n += 1
    return n


def make_imagenet100(src: str, out_dir: str, classes=IMAGENET100_CLASSES) -> dict:
    """Link the ``classes`` of the ImageNet-1k tree ``src`` into ``out_dir``.

    Returns ``{'train': classes linked, 'val': classes linked or images linked (flat val)}``.
    """
    classes = list(classes)
    if len(set(classes)) != len(classes):
        raise ValueError('the class list has duplicates')
    missing = [c for c in classes if not osp.isdir(osp.join(src, 'train', c))]
    if missing:
        raise FileNotFoundError(f'{len(missing)} of the {len(classes)} classes are not in '
                                f'{src}/train, e.g. {missing[:5]}')
    for c in classes:
        _link(osp.join(src, 'train', c), osp.join(out_dir, 'train', c))
    counts = {'train': len(classes)}

    val_dirs = [osp.isdir(osp.join(src, 'val', c)) for c in classes]
    if all(val_dirs):
        for c in classes:
            _link(osp.join(src, 'val', c), osp.join(out_dir, 'val', c))
        counts['val'] = len(classes)
    elif not any(val_dirs):
        counts['val'] = _flat_val(src, classes, out_dir)
    else:
        missing = [c for c, ok in zip(classes, val_dirs) if not ok]
        raise FileNotFoundError(f'{src}/val lacks the class folders {missing[:5]} (and maybe '
                                'more) of a class-folder layout')
    return counts
