"""Every detection config loads, says what its name says, and builds its model."""
import os.path as osp
import re

import pytest

from det_helpers import (BACKBONES, BCCD, GROCERIES, VARIANTS, VOC, all_configs,  # noqa: F401
                         build_model, load_config, single_thread)

pytestmark = pytest.mark.usefixtures('single_thread')

NAME = re.compile(r'detr_(deit-tiny(?:-life)?)(-in1k-pre|-imagenette-pre)?_'
                  r'(encdec(?:-linear|-life)?)_(8xb2-150e_voc0712-512x512|1xb4-300e_bccd-512x512|'
                  r'1xb16-150e_groceries-320x320)\.py')
ENC_DEC_PROJ = {'encdec': ('none', 'none'), 'encdec-linear': ('linear', 'linear'),
                'encdec-life': ('life', 'linear')}
# dataset -> classes, dataset type, input size, epochs, backbone lr_mult when randomly initialised
DATASETS = {'voc0712': (20, 'VOCDataset', 512, 150, 0.1),
            'bccd': (3, 'CheckedVOCDataset', 512, 300, 0.1),
            'groceries': (25, 'CheckedVOCDataset', 320, 150, 1.0)}
# the Imagenette-pre-trained pair: DeiT-T + EncDec-Linear vs DeiT-T-LIFE + EncDec-LIFE
IMAGENETTE_PAIR = (('deit-tiny', 'encdec-linear'), ('deit-tiny-life', 'encdec-life'))


def test_the_34_configs_exist():
    """Every backbone x variant on VOC, BCCD and Groceries (random init), on VOC and BCCD from
    ImageNet-1k, and the Imagenette-pre-trained pair on BCCD and Groceries."""
    names = [osp.basename(p) for p in all_configs()]
    assert all(NAME.fullmatch(n) for n in names), [n for n in names if not NAME.fullmatch(n)]
    expected = {(b, pre, v, s) for b in BACKBONES for v in VARIANTS
                for pre, schedules in ((None, (VOC, BCCD, GROCERIES)), ('-in1k-pre', (VOC, BCCD)))
                for s in schedules}
    expected |= {(b, '-imagenette-pre', v, s)
                 for b, v in IMAGENETTE_PAIR for s in (BCCD, GROCERIES)}
    assert {NAME.fullmatch(n).groups() for n in names} == expected
    assert len(names) == len(expected) == 34


@pytest.mark.parametrize('path', all_configs(), ids=osp.basename)
def test_config_matches_its_name(path):
    backbone, pre, variant, schedule = NAME.fullmatch(osp.basename(path)).groups()
    dataset = re.search(r'_(voc0712|bccd|groceries)-', schedule).group(1)
    num_classes, dataset_type, size, epochs, scratch_lr_mult = DATASETS[dataset]
    cfg = load_config(path)
    assert cfg.default_scope == 'mmdet'
    assert {'mmlife.det', 'mmlife.models'} <= set(cfg.custom_imports.imports)
    model = cfg.model
    assert model.type == 'LIFEDETR'
    assert model.backbone.type == 'mmpretrain.LIFEVisionTransformer'
    assert model.backbone.out_type == 'featmap' and model.backbone.img_size == size
    assert model.backbone.use_life == (backbone == 'deit-tiny-life')
    enc, dec = ENC_DEC_PROJ[variant]
    assert model.encoder.layer_cfg.self_attn_cfg.qkv_proj == enc
    assert model.decoder.layer_cfg.self_attn_cfg.qkv_proj == dec
    assert model.decoder.layer_cfg.cross_attn_cfg.qkv_proj == dec
    init = model.backbone.init_cfg
    if pre:
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert not re.match(r'\w+://', init.checkpoint), 'pretrained weights must be local'
        assert init.checkpoint.startswith('pretrain/')  # git-ignored
        assert osp.basename(init.checkpoint) == (f'{backbone}_in1k.pth' if pre == '-in1k-pre'
                                                 else f'{backbone}_imagenette_backbone.pth')
    else:
        assert all(i.type != 'Pretrained' for i in init)
    assert model.bbox_head.num_classes == num_classes
    train_set = cfg.train_dataloader.dataset
    types = {d.type for d in train_set.datasets} if dataset == 'voc0712' else {train_set.type}
    assert types == {dataset_type}
    assert cfg.test_dataloader.dataset.ann_file.endswith('test.txt')
    for pipeline in (cfg.train_dataloader.dataset.get('datasets', [train_set])[0].pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        resize = [t for t in pipeline if t.type == 'Resize']
        assert [tuple(t.scale) for t in resize] == [(size, size)]
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert [e.type for e in evaluator] == ['VOCMetric', 'DetF1Metric', 'DetBoxSpreadMetric']
    optim = cfg.optim_wrapper
    assert optim.optimizer.type == 'AdamW' and optim.optimizer.lr == 1e-4
    assert optim.clip_grad.max_norm == 0.1
    assert optim.paramwise_cfg.custom_keys.backbone.lr_mult == (0.1 if pre else scratch_lr_mult)
    assert cfg.train_cfg.max_epochs == epochs
    milestones = [s.milestones for s in cfg.param_scheduler if s.type == 'MultiStepLR']
    assert milestones == [[epochs * 2 // 3]]


# configs that differ only in the backbone's init build the same model: build one of each
_DISTINCT = sorted({re.sub(r'-(in1k|imagenette)-pre', '', p) for p in all_configs()})


@pytest.mark.parametrize('path', _DISTINCT, ids=osp.basename)
def test_config_builds(path):
    model = build_model(path)
    cfg = load_config(path)
    assert model.bbox_head.num_classes == cfg.model.bbox_head.num_classes
    assert len(model.encoder.layers) == 6 and len(model.decoder.layers) == 6
