"""CamVidDataset: the SegNet layout, class names and palette, void -> ignore, class subsets."""
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image
from seg_helpers import make_camvid

from mmlife.seg.datasets import CamVidDataset

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    init_default_scope('mmseg')
    return make_camvid(tmp_path_factory.mktemp('camvid') / 'CamVid', size=(80, 120))


def raw_label(path):
    return np.array(Image.open(path))


def test_layout_and_metainfo(root):
    ds = CamVidDataset(data_root=root, data_prefix=dict(img_path='val', seg_map_path='valannot'))
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(root, 'val', '0001TP_000000.jpg')
    assert info['seg_map_path'] == osp.join(root, 'valannot', '0001TP_000000.png')
    assert len(ds.metainfo['classes']) == 11 and ds.metainfo['classes'][3] == 'road'
    assert len(ds.metainfo['palette']) == 11


def test_void_becomes_ignore_index(root):
    ds = CamVidDataset(data_root=root, pipeline=LOAD,
                       data_prefix=dict(img_path='train', seg_map_path='trainannot'))
    for i in range(len(ds)):
        item = ds[i]
        raw = raw_label(item['seg_map_path'])
        assert (raw == 11).any() and (raw < 11).any()
        expected = np.where(raw == 11, 255, raw)
        np.testing.assert_array_equal(item['gt_seg_map'], expected)
        assert item['img'].shape == (80, 120, 3)


def test_class_subset_keeps_void_ignored(root):
    classes = ('road', 'car')  # ids 3 and 8 -> 0 and 1, everything else (void too) -> 255
    ds = CamVidDataset(data_root=root, pipeline=LOAD, metainfo=dict(classes=classes),
                       data_prefix=dict(img_path='val', seg_map_path='valannot'))
    item = ds[0]
    raw = raw_label(item['seg_map_path'])
    expected = np.full_like(raw, 255)
    expected[raw == 3], expected[raw == 8] = 0, 1
    np.testing.assert_array_equal(item['gt_seg_map'], expected)
    palette = CamVidDataset.METAINFO['palette']
    assert ds.metainfo['palette'] == [palette[3], palette[8]]


def test_unknown_class_is_refused(root):
    with pytest.raises(ValueError, match='not a subset'):
        CamVidDataset(data_root=root, metainfo=dict(classes=('road', 'sea')),
                      data_prefix=dict(img_path='val', seg_map_path='valannot'))
