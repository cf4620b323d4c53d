"""Every detection config loads, says what its name says, and builds its model."""
import os.path as osp
import re

import pytest

from det_helpers import all_configs, build_model, load_config, single_thread  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')

NAME = re.compile(r'detr_(deit-tiny(?:-life)?)(-in1k-pre)?_(encdec(?:-linear|-life)?)_'
                  r'(8xb2-150e_voc0712|1xb4-300e_bccd)-512x512\.py')
ENC_DEC_PROJ = {'encdec': ('none', 'none'), 'encdec-linear': ('linear', 'linear'),
                'encdec-life': ('life', 'linear')}


def test_the_24_configs_exist():
    names = [osp.basename(p) for p in all_configs()]
    assert len(names) == 24, names
    assert all(NAME.fullmatch(n) for n in names), [n for n in names if not NAME.fullmatch(n)]
    assert len({NAME.fullmatch(n).groups() for n in names}) == 24


@pytest.mark.parametrize('path', all_configs(), ids=osp.basename)
def test_config_matches_its_name(path):
    backbone, pre, variant, schedule = NAME.fullmatch(osp.basename(path)).groups()
    cfg = load_config(path)
    assert cfg.default_scope == 'mmdet'
    assert {'mmlife.det', 'mmlife.models'} <= set(cfg.custom_imports.imports)
    model = cfg.model
    assert model.type == 'LIFEDETR'
    assert model.backbone.type == 'mmpretrain.LIFEVisionTransformer'
    assert model.backbone.out_type == 'featmap' and model.backbone.img_size == 512
    assert model.backbone.use_life == (backbone == 'deit-tiny-life')
    enc, dec = ENC_DEC_PROJ[variant]
    assert model.encoder.layer_cfg.self_attn_cfg.qkv_proj == enc
    assert model.decoder.layer_cfg.self_attn_cfg.qkv_proj == dec
    assert model.decoder.layer_cfg.cross_attn_cfg.qkv_proj == dec
    init = model.backbone.init_cfg
    if pre:
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert not re.match(r'\w+://', init.checkpoint), 'pretrained weights must be local'
        assert osp.basename(init.checkpoint) == f'{backbone}_in1k.pth'
    else:
        assert all(i.type != 'Pretrained' for i in init)
    voc = 'voc' in schedule
    assert model.bbox_head.num_classes == (20 if voc else 3)
    train_set = cfg.train_dataloader.dataset
    types = {d.type for d in train_set.datasets} if voc else {train_set.type}
    assert types == {'VOCDataset'}
    if not voc:  # stock VOCDataset, BCCD's classes from the config's metainfo
        assert train_set.metainfo.classes == ('RBC', 'WBC', 'Platelets')
    assert cfg.test_dataloader.dataset.ann_file.endswith('test.txt')
    for pipeline in (cfg.train_dataloader.dataset.get('datasets', [train_set])[0].pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        resize = [t for t in pipeline if t.type == 'Resize']
        assert [tuple(t.scale) for t in resize] == [(512, 512)]
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert [e.type for e in evaluator] == ['VOCMetric', 'DetF1Metric', 'DetBoxSpreadMetric']
    optim = cfg.optim_wrapper
    assert optim.optimizer.type == 'AdamW' and optim.optimizer.lr == 1e-4
    assert optim.clip_grad.max_norm == 0.1
    assert optim.paramwise_cfg.custom_keys.backbone.lr_mult == 0.1
    assert cfg.train_cfg.max_epochs == (150 if voc else 300)


# configs that differ only in the backbone's init build the same model: build one of each
_DISTINCT = sorted({p.replace('-in1k-pre', '') for p in all_configs()})


@pytest.mark.parametrize('path', _DISTINCT, ids=osp.basename)
def test_config_builds(path):
    model = build_model(path)
    cfg = load_config(path)
    assert model.bbox_head.num_classes == cfg.model.bbox_head.num_classes
    assert len(model.encoder.layers) == 6 and len(model.decoder.layers) == 6
