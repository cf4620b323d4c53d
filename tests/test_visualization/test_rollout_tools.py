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
                det_cond_life=tm.write_life_detr(folder, qkv_proj='life', conditional=True),
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


@pytest.mark.parametrize('model', ['seg_life', 'det_life', 'det_cond_life'])
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


def test_compare_rollout_detectors_without_detections(tiny, tmp_path, capsys):
    written = compare_rollout_main(
        [*tiny['det'], *tiny['det_life'], tiny['images'][1], '--out', str(tmp_path),
         '--device', 'cpu', '--score-thr', '1.01'])
    assert written == [str(tmp_path / 'images_img1_compare.png')]
    assert capsys.readouterr().out.count('global attention only') == 2  # a note per model
    h, w, _ = read_png(written[0]).shape
    assert w < 1.5 * h  # two rows of input | prediction | global attention, no class map


def test_same_file_names_in_different_folders_get_distinct_figures(tiny, tmp_path, capsys):
    img = read_png(tiny['images'][0])
    inputs = []
    for top in ('a', 'b'):
        os.makedirs(tmp_path / top / '3')
        inputs.append(str(tmp_path / top / '3' / 'x.png'))
        cv2.imwrite(inputs[-1], img)
    out = tmp_path / 'out'
    # the same file twice (given and inside a given folder) is one image
    attention_rollout_main(
        [*tiny['cls_life'], *inputs, str(tmp_path / 'b'), '--out', str(out), '--device', 'cpu'])
    assert sorted(os.listdir(out)) == ['a_3_x_rollout.png', 'b_3_x_rollout.png']
    assert 'wrote 2 figure(s)' in capsys.readouterr().out
    written = dense_rollout_main(
        [*tiny['seg_life'], *inputs, '--out', str(tmp_path / 'dense'), '--device', 'cpu'])
    assert sorted(map(osp.basename, written)) == ['a_3_x_dense.png', 'b_3_x_dense.png']
    assert sorted(os.listdir(tmp_path / 'dense')) == sorted(map(osp.basename, written))


def test_large_image_is_rolled_out_at_the_model_input_size(tiny, tmp_path):
    """A config whose test pipeline does not resize (as the 32x32 CIFAR configs): a photo
    must still enter the model at the input size the model was built for (16x16 here)."""
    import numpy as np
    from mmlife.visualization import classifier_rollout, init_model
    config, checkpoint = tiny['cls_life']
    text = open(config).read().replace("dict(type='Resize', scale=16),", '')
    assert 'Resize' not in text
    no_resize = tmp_path / 'no_resize.py'
    no_resize.write_text(text)
    model, _ = init_model(str(no_resize), checkpoint)
    photo = str(tmp_path / 'photo.png')
    cv2.imwrite(photo, np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8))
    seen = []
    handle = model.backbone.register_forward_pre_hook(lambda m, a: seen.append(a[0].shape))
    try:
        res, = classifier_rollout(model, [photo])
    finally:
        handle.remove()
    assert [tuple(s[-2:]) for s in seen] == [(16, 16)]
    assert res.grid.shape == (4, 4)  # patch 4
    assert res.image.shape == (16, 16, 3) and res.heatmap.shape == (16, 16)
