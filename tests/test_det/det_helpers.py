"""Helpers shared by the detection tests: config paths, cached model builds, tiny data."""
import glob
import os
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'detection', 'detr')
VARIANTS = ('encdec', 'encdec-linear', 'encdec-life')
BACKBONES = ('deit-tiny', 'deit-tiny-life')
VOC = '8xb2-150e_voc0712-512x512'
BCCD = '1xb4-300e_bccd-512x512'
GROCERIES = '1xb16-150e_groceries-320x320'

_MODELS = {}


@pytest.fixture(autouse=False)
def single_thread():
    """Run a test on one intra-op thread (restored afterwards): on a small, shared CPU the
    thread pool of tiny ops costs more than it brings (about 10x on a loaded 2-core box)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def config_path(backbone, variant, schedule=VOC, pretrained=False):
    """A DETR config; ``pretrained``: False (random init), True (ImageNet-1k) or
    ``'imagenette'``."""
    pre = f'-{pretrained}-pre' if isinstance(pretrained, str) else '-in1k-pre' if pretrained else ''
    return osp.join(CONFIG_DIR, f'detr_{backbone}{pre}_{variant}_{schedule}.py')


def all_configs():
    return sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))


def load_config(path):
    from mmengine.config import Config
    return Config.fromfile(path)


def build_model(path, img_size=64):
    """The config's detector (random init, no checkpoint), cached per config and size."""
    key = (path, img_size)
    if key not in _MODELS:
        from mmengine.registry import init_default_scope
        from mmdet.registry import MODELS
        cfg = load_config(path)
        init_default_scope('mmdet')
        cfg.model.backbone.img_size = img_size
        cfg.model.backbone.init_cfg = None
        torch.manual_seed(0)
        _MODELS[key] = MODELS.build(cfg.model)
    return _MODELS[key]


def det_batch(sizes=((64, 64), (64, 48)), num_classes=20, seed=0):
    """A padded batch: images of ``sizes`` (h, w) in a ``max h x max w`` tensor, one box each."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(seed)
    H, W = max(s[0] for s in sizes), max(s[1] for s in sizes)
    imgs = torch.zeros(len(sizes), 3, H, W)
    samples = []
    for i, (h, w) in enumerate(sizes):
        imgs[i, :, :h, :w] = torch.randn(3, h, w, generator=g)
        s = DetDataSample(metainfo=dict(img_shape=(h, w), batch_input_shape=(H, W),
                                        ori_shape=(h, w), scale_factor=(1., 1.)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[4., 6., w / 2, h / 2]]),
            labels=torch.tensor([i % num_classes]))
        samples.append(s)
    return imgs, samples


def make_voc_layout(root, classes=('RBC', 'WBC', 'Platelets'), n_train=4, n_val=2,
                    size=(48, 64), seed=0):
    """A tiny Pascal-VOC-layout dataset: JPEGImages, Annotations, ImageSets/Main/*.txt."""
    import cv2
    rng = np.random.default_rng(seed)
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    h, w = size
    names = {'train': [], 'val': [], 'test': []}
    splits = ['train'] * n_train + ['val'] * n_val
    for i, split in enumerate(splits):
        name = f'img_{i:03d}'
        names[split].append(name)
        if split == 'val':
            names['test'].append(name)
        cv2.imwrite(osp.join(root, 'JPEGImages', name + '.jpg'),
                    rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        ann = ET.Element('annotation')
        ET.SubElement(ann, 'filename').text = name + '.jpg'
        sz = ET.SubElement(ann, 'size')
        for k, v in (('width', w), ('height', h), ('depth', 3)):
            ET.SubElement(sz, k).text = str(v)
        for j in range(2):
            obj = ET.SubElement(ann, 'object')
            ET.SubElement(obj, 'name').text = classes[(i + j) % len(classes)]
            ET.SubElement(obj, 'difficult').text = '0'
            box = ET.SubElement(obj, 'bndbox')
            x1, y1 = int(rng.integers(1, w // 2)), int(rng.integers(1, h // 2))
            for k, v in (('xmin', x1), ('ymin', y1), ('xmax', x1 + w // 3),
                         ('ymax', y1 + h // 3)):
                ET.SubElement(box, k).text = str(v)
        ET.ElementTree(ann).write(osp.join(root, 'Annotations', name + '.xml'))
    for split, ids in names.items():
        with open(osp.join(root, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    return root
