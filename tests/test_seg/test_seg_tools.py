"""The segmentation workflow on a fabricated CamVid: tools/train.py (2 iterations, mIoU on val),
tools/test.py (mIoU on test), mmseg's init_model + inference_model, the PNG demo, and the
complexity count."""
import os.path as osp
import re
import runpy
import sys

import numpy as np
import pytest
import torch
from seg_helpers import CAMVID_LIFE, REPO, make_camvid, run_tool

CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'sign_symbol', 'fence', 'car',
           'pedestrian', 'bicyclist')


def write_tiny_config(tmp_path, data_root):
    """The real DeiT-T-LIFE CamVid config on a fabricated CamVid, its pipelines at a quarter of
    the size (120x90 images, 64x96 crops), 2 iterations, validation and a checkpoint at 2."""
    cfg = tmp_path / 'tiny_camvid.py'
    cfg.write_text(f"""
_base_ = {CAMVID_LIFE!r}
crop_size = (64, 96)
model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(img_size=crop_size))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(120, 90), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(120, 90), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
_loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    batch_size=2, **_loader, dataset=dict(data_root={data_root!r}, pipeline=train_pipeline))
val_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}, pipeline=test_pipeline))
test_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}, pipeline=test_pipeline))
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=2, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
env_cfg = dict(cudnn_benchmark=False)
""")
    return str(cfg)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Train 2 iterations through tools/train.py; returns (config, checkpoint, data root, log)."""
    tmp = tmp_path_factory.mktemp('seg_tools')
    root = make_camvid(tmp / 'CamVid', size=(180, 240))
    cfg = write_tiny_config(tmp, root)
    work = str(tmp / 'work')
    log = run_tool(['tools/train.py', cfg, '--work-dir', work])
    return cfg, osp.join(work, 'iter_2.pth'), root, log


def parse_miou(log):
    found = re.findall(r'mIoU: ([\d.]+)', log)
    assert found, log[-3000:]
    return float(found[-1])


def test_train_two_iterations_and_validate(trained):
    cfg, ckpt, root, log = trained
    assert 'Iter(train) [1/2]' in log and 'Iter(train) [2/2]' in log
    assert re.search(r'decode\.loss_ce: [\d.]+', log)
    assert 'Iter(val) [2/2]' in log  # the 2 val images
    assert 0.0 <= parse_miou(log) <= 100.0
    for name in CLASSES:  # the per-class IoU table of IoUMetric
        assert re.search(rf'\|\s+{name}\s+\|', log), name
    assert osp.isfile(ckpt)


def test_tools_test_evaluates_miou(trained, tmp_path):
    cfg, ckpt, root, _ = trained
    out = run_tool(['tools/test.py', cfg, ckpt, '--work-dir', str(tmp_path)])
    assert 'Iter(test) [2/2]' in out
    assert 0.0 <= parse_miou(out) <= 100.0


def test_init_model_and_inference_model(trained):
    from mmseg.apis import inference_model, init_model
    cfg, ckpt, root, _ = trained
    model = init_model(cfg, ckpt, device='cpu')  # custom_imports registers mmlife's modules
    assert model.backbone.use_life
    assert tuple(model.dataset_meta['classes']) == CLASSES  # from the checkpoint's meta
    state = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    torch.testing.assert_close(model.decode_head.conv_seg.weight,
                               state['decode_head.conv_seg.weight'])
    img = osp.join(root, 'test', '0001TP_000000.jpg')
    result = inference_model(model, img)
    assert result.pred_sem_seg.shape == (180, 240)  # back at the image's size
    assert result.seg_logits.data.shape == (11, 180, 240)
    assert int(result.pred_sem_seg.data.max()) < 11


def run_demo(monkeypatch, *args):
    """demo/seg_image_demo.py, in this process (its imports are already loaded)."""
    monkeypatch.setattr(sys, 'argv', ['seg_image_demo.py', *map(str, args)])
    runpy.run_path(osp.join(REPO, 'demo', 'seg_image_demo.py'), run_name='__main__')


def test_demo_writes_a_coloured_png(trained, tmp_path, monkeypatch, capsys):
    import cv2
    cfg, ckpt, root, _ = trained
    out_file = tmp_path / 'pred.png'
    run_demo(monkeypatch, osp.join(root, 'test', '0001TP_000000.jpg'), cfg, ckpt,
             '--out-file', out_file, '--device', 'cpu', '--opacity', '1', '--no-labels')
    assert f'wrote {out_file}' in capsys.readouterr().out
    png = cv2.imread(str(out_file))[..., ::-1]  # RGB
    assert png.shape == (180, 240, 3)
    # with opacity 1 every pixel has the palette colour of a CamVid class
    palette = np.array([[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128],
                        [60, 40, 222], [128, 128, 0], [192, 128, 128], [64, 64, 128],
                        [64, 0, 128], [64, 64, 0], [0, 128, 192]])
    colours = np.unique(png.reshape(-1, 3), axis=0)
    assert all((palette == c).all(1).any() for c in colours), colours


def test_demo_refuses_bad_opacity(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run_demo(monkeypatch, 'x.jpg', 'cfg.py', 'ckpt.pth', '--opacity', '0')
    assert '--opacity must be in (0, 1], got 0.0' in capsys.readouterr().err


def test_complexity_counts_attention_and_the_linear_head():
    """Params and MACs from mmlife.analysis.complexity; the attention is the hand count
    2 * layers * heads * N^2 * head_dim for N = 1 + 16 tokens, the linear head one Linear per
    token plus the bilinear resize of the logits to the input (mmengine: 4 per output value)."""
    from mmlife.analysis.complexity import build_model, complexity
    r = complexity(CAMVID_LIFE, shape=(64, 64))
    _, model = build_model(CAMVID_LIFE)
    assert r['task'] == 'segmentation'
    assert r['params'] == sum(p.numel() for p in model.parameters())
    N, layers, heads, head_dim = 1 + 16, 12, 3, 64
    assert r['attn_macs'] == 2 * layers * heads * N * N * head_dim
    assert r['macs'] > r['attn_macs'] > 0
    classes, C = 11, 192
    assert r['parts']['decode_head']['macs'] == 16 * C * classes
    head_and_resize = r['macs'] - r['parts']['backbone']['macs']
    assert head_and_resize == 16 * C * classes + 4 * classes * 64 * 64


def test_complexity_default_input_is_the_crop():
    from mmengine.config import Config
    from mmlife.analysis.complexity import input_shape
    assert input_shape(Config.fromfile(CAMVID_LIFE)) == (352, 480)
