"""CheckSegLabels in the CamVid pipelines: RGB, wrongly sized and out-of-range label maps fail
naming the file; CamVid's own labels (void -> 255) pass; an empty image is named."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from seg_helpers import CAMVID_LIFE, make_camvid

from mmlife.seg.datasets import CamVidDataset
from mmlife.utils.data_check import SampleError


def dataset(root, split='train'):
    """The config's dataset of ``split`` (its real pipeline) on the fabricated CamVid."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(CAMVID_LIFE)
    loader = cfg.train_dataloader if split == 'train' else cfg.test_dataloader
    kwargs = dict(loader.dataset)
    kwargs.pop('type')
    kwargs['data_root'] = root
    return CamVidDataset(**kwargs)


@pytest.fixture
def root(tmp_path):
    return make_camvid(tmp_path / 'CamVid', splits=(('train', 2), ('test', 2)), size=(72, 96))


def label_path(root, split='train', i=0):
    return osp.join(root, split + 'annot', f'0001TP_{i:06d}.png')


@pytest.mark.parametrize('split', ['train', 'test'])
def test_good_labels_pass(root, split):
    ds = dataset(root, split)
    for i in range(len(ds)):
        ds[i]


@pytest.mark.parametrize('split', ['train', 'test'])
@pytest.mark.parametrize('damage, match', [
    (lambda lab: np.dstack([lab] * 3), 'the label map has shape \\(72, 96, 3\\).*single-channel'),
    (lambda lab: lab[::2, ::2], 'the label map is 48x36 \\(WxH\\) but its image .* is 96x72'),
    (lambda lab: np.vstack([np.full_like(lab[:1], 12), lab[1:]]),
     'label ids \\[12\\] are outside 0-10'),
])
def test_bad_labels_fail_naming_the_file(root, split, damage, match):
    path = label_path(root, split)
    cv2.imwrite(path, damage(cv2.imread(path, cv2.IMREAD_UNCHANGED)))
    ds = dataset(root, split)
    index = [i for i in range(len(ds)) if ds.get_data_info(i)['seg_map_path'] == path][0]
    with pytest.raises(ValueError, match=f'{path}: {match}'):
        ds[index]


def test_empty_image_is_named(root):
    img = osp.join(root, 'test', '0001TP_000001.jpg')
    open(img, 'wb').close()
    ds = dataset(root, 'test')
    index = [i for i in range(len(ds)) if ds.get_data_info(i)['img_path'] == img][0]
    with pytest.raises(SampleError, match=img):
        ds[index]
