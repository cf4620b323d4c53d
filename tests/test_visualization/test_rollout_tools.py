"""The roll-out commands (mmlife.visualization.cli, run by tools/visualization/*.py) end to end on
tiny random models: they run and write PNGs."""
import os
import os.path as osp

import cv2
import pytest
from conftest import run_tool

import rollout_tiny_models as tm
from rollout_tiny_models import keep_default_scope  # noqa: F401  (autouse fixture)

from mmlife.visualization.cli import (attention_rollout_main, compare_rollout_main,
                                      dense_rollout_main)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp('tiny_tools'))
    images = osp.join(folder, 'images')
    os.makedirs(images)
    return dict(cls=tm.write_cls(folder, use_life=False), cls_life=tm.write_cls(folder),
                seg=tm.write_seg(folder, use_life=False), seg_life=tm.write_seg(folder),
                det=tm.write_life_detr(folder, qkv_proj='linear', use_life=False),
                det_life=tm.write_life_detr(folder, qkv_proj='life'),
                images=tm.write_images(images), image_dir=images)


def read_png(path):
    img = cv2.imread(path)
    assert img is not None, f'{path} is not a readable image'
    return img


def test_attention_rollout_cli(tiny, tmp_path):
    out = tmp_path / 'out'
    log = run_tool(['tools/visualization/attention_rollout.py', *tiny['cls_life'],
                    tiny['image_dir'], '--out', str(out), '--device', 'cpu',
                    '--discard-ratio', '0.5', '--head-fusion', 'max'])
    assert 'wrote 2 figure(s)' in log
    assert sorted(os.listdir(out)) == ['images_img0_rollout.png', 'images_img1_rollout.png']
    h, w, _ = read_png(str(out / 'images_img0_rollout.png')).shape
    assert w > 2.5 * h  # image | heat map | blend


def test_attention_rollout_rejects_dense_configs(tiny, tmp_path):
    with pytest.raises(SystemExit, match='dense_rollout.py'):
        attention_rollout_main([*tiny['seg'], tiny['images'][0], '--out',
                                             str(tmp_path), '--device', 'cpu'])


@pytest.mark.parametrize('model', ['seg_life', 'det_life'])
def test_dense_rollout_tool(tiny, tmp_path, model):
    extra = ['--score-thr', '0'] if model.startswith('det') else []
    written = dense_rollout_main(
        [*tiny[model], tiny['images'][0], '--out', str(tmp_path), '--device', 'cpu', *extra])
    assert written == [str(tmp_path / 'images_img0_dense.png')]
    h, w, _ = read_png(written[0]).shape
    assert w > 3 * h  # input | prediction | global | at least one class


def test_compare_rollout_classification(tiny, tmp_path):
    written = compare_rollout_main(
        [*tiny['cls'], *tiny['cls_life'], *tiny['images'], '--out', str(tmp_path),
         '--device', 'cpu', '--names', 'DeiT', 'DeiT + LIFE'])
    assert written == [str(tmp_path / 'comparison.png')]
    h, w, _ = read_png(written[0]).shape
    assert h > w  # 2 image columns, 3 rows: input, without LIFE, with LIFE


@pytest.mark.parametrize('task', ['seg', 'det'])
def test_compare_rollout_dense(tiny, tmp_path, task):
    extra = ['--score-thr', '0', '--with-backbone'] if task == 'det' else []
    written = compare_rollout_main(
        [*tiny[task], *tiny[f'{task}_life'], tiny['images'][1], '--out', str(tmp_path),
         '--device', 'cpu', *extra])
    assert written == [str(tmp_path / 'images_img1_compare.png')]
    h, w, _ = read_png(written[0]).shape
    assert w > 1.5 * h  # two rows of at least 4 panels
