"""tools/train.py, tools/test.py and the mmdet inference API on a detection config, with a
tiny fabricated Pascal-VOC-layout dataset (64 x 64 inputs instead of 512 x 512)."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from det_helpers import BCCD, REPO, config_path, make_voc_layout, single_thread  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')

CONFIG = config_path('deit-tiny-life', 'encdec-life', BCCD)
CLASSES = ('RBC', 'WBC', 'Platelets')

OVERRIDE = """
_base_ = {base!r}
data_root = {root!r}
img_scale = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
model = dict(backbone=dict(img_size=64))
_loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(batch_size=2, **_loader,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=2, **_loader,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
"""


def run(*args):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    return out


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Train 2 iterations (4 images, batch 2) with tools/train.py; returns (config, ckpt, root)."""
    tmp = tmp_path_factory.mktemp('det_tools')
    root = make_voc_layout(str(tmp / 'BCCD'), classes=CLASSES)
    config = tmp / 'tiny_bccd.py'
    config.write_text(OVERRIDE.format(base=CONFIG, root=root + '/'))
    work_dir = tmp / 'work_dir'
    log = run('tools/train.py', str(config), '--work-dir', str(work_dir))
    iters = re.findall(r'Epoch\(train\)\s+\[1\]\[(\d+)/(\d+)\]', log)
    assert iters == [('1', '2'), ('2', '2')], log[-3000:]
    # validation ran the three metrics
    assert all(key in log for key in ('pascal_voc/mAP', 'det_f1/F1', 'box_spread/distinct')), \
        log[-3000:]
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.is_file()
    return str(config), str(ckpt), root


def test_train_then_test(trained):
    config, ckpt, _ = trained
    out = run('tools/test.py', config, ckpt, '--work-dir', osp.join(osp.dirname(ckpt), 'test'))
    metrics = re.search(r"\{'pascal_voc/mAP'.*\}", out)
    assert metrics, out[-3000:]
    for key in ('pascal_voc/mAP', 'det_f1/F1', 'det_f1/precision', 'det_f1/recall',
                'box_spread/distinct', 'box_spread/std'):
        assert f"'{key}'" in metrics.group(0)


def test_inference_api_and_demo_script(trained, tmp_path):
    config, ckpt, root = trained
    from mmlife.det.inference import detect
    img = osp.join(root, 'JPEGImages', 'img_004.jpg')
    results = detect(config, ckpt, [img], score_thr=0., out_dir=str(tmp_path))
    (image, dets), = results
    assert image == img and len(dets) == 100  # DETR keeps every query's best class
    for name, score, (x1, y1, x2, y2) in dets:
        assert name in CLASSES and 0 <= score <= 1
        assert 0 <= x1 <= x2 <= 64 and 0 <= y1 <= y2 <= 48  # original image: 64 wide, 48 high
    assert (tmp_path / 'img_004.jpg').is_file()
