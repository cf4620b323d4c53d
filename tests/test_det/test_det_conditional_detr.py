"""LIFEConditionalDETR: the configs say what their names say, and the model is mmdet's stock
ConditionalDETR around its encoder (losses and predictions with the same weights). LIFE in its
encoder getting the token grid and the padding mask is tested with LIFEDETR's in
test_det_life_detr.py; one training step of every config on fabricated data in
test_det_groceries.py."""
import copy
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.registry import init_default_scope

from det_helpers import REPO, det_batch, load_config, single_thread  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')

CONFIG_DIR = osp.join(REPO, 'configs', 'detection', 'conditional_detr')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
NAME = re.compile(r'conditional-detr_(deit-tiny(?:-life)?)(-imagenette-pre|-groceries-pre)?_'
                  r'(encdec|encdec-linear|encdec-life)_'
                  r'(1xb4-100e_bccd-512x512|1xb32-300e_bccd-512x512|1xb32-100e_bccd-512x512|'
                  r'1xb16-50e_groceries-320x320|1xb32-10e_groceries-320x320)\.py')
LINEAR = osp.join(CONFIG_DIR,
                  'conditional-detr_deit-tiny_encdec-linear_1xb16-50e_groceries-320x320.py')


def test_the_sixteen_configs():
    """The six Table 2 variants from random init on Groceries (DeiT-T and DeiT-T-LIFE x
    EncDec / EncDec-Linear / EncDec-LIFE, the variant naming the encoder's Q, K, V), and the
    Imagenette-pre-trained pairs of Groceries (the 50-epoch configs, and the 10-epoch batch-32
    detection pre-training for BCCD) and BCCD (batch 4 and the batch-32 recipe), and BCCD started
    from the Groceries detectors: DeiT-T + EncDec-Linear against DeiT-T-LIFE + EncDec-LIFE."""
    groups = {NAME.fullmatch(osp.basename(p)).groups() for p in CONFIGS}
    expected = {(b, None, v, '1xb16-50e_groceries-320x320')
                for b in ('deit-tiny', 'deit-tiny-life')
                for v in ('encdec', 'encdec-linear', 'encdec-life')}
    pairs = (('deit-tiny', 'encdec-linear'), ('deit-tiny-life', 'encdec-life'))
    expected |= {(b, '-imagenette-pre', v, s) for b, v in pairs
                 for s in ('1xb4-100e_bccd-512x512', '1xb32-300e_bccd-512x512',
                           '1xb16-50e_groceries-320x320', '1xb32-10e_groceries-320x320')}
    expected |= {(b, '-groceries-pre', v, '1xb32-100e_bccd-512x512') for b, v in pairs}
    assert groups == expected and len(CONFIGS) == 16


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_matches_its_name(path):
    backbone, pre, variant, schedule = NAME.fullmatch(osp.basename(path)).groups()
    cfg = load_config(path)
    assert {'mmlife.det', 'mmlife.models'} <= set(cfg.custom_imports.imports)
    model = cfg.model
    assert model.type == 'LIFEConditionalDETR'
    assert model.bbox_head.type == 'BatchedMatchConditionalDETRHead'
    assert model.backbone.use_life == (backbone == 'deit-tiny-life')
    qkv_proj = {'encdec': 'none', 'encdec-linear': 'linear', 'encdec-life': 'life'}
    enc_attn = model.encoder.layer_cfg.self_attn_cfg
    assert enc_attn.qkv_proj == qkv_proj[variant]
    # LIFE's Q, K, V start at the Linear's scale from random init on Groceries (the seeds'
    # result) and in the detection pre-training for BCCD; the other pre-trained pairs keep the
    # 'xavier' their results were measured with
    linear_init = (not pre and 'groceries' in schedule) or schedule.startswith(('1xb32-10e',
                                                                               '1xb32-100e'))
    assert enc_attn.qkv_init == ('linear' if linear_init and variant == 'encdec-life'
                                 else 'xavier')
    # the Conditional DETR decoder's own attentions, no dropout
    dec = model.decoder.layer_cfg
    assert (dec.self_attn_cfg.cross_attn, dec.cross_attn_cfg.cross_attn) == (False, True)
    assert 'qkv_proj' not in dec.self_attn_cfg and dec.cross_attn_cfg.attn_drop == 0
    assert model.bbox_head.loss_cls.type == 'FocalLoss' and model.bbox_head.loss_cls.use_sigmoid
    assert model.train_cfg.assigner.match_costs[0].type == 'FocalLossCost'
    bccd = 'bccd' in schedule
    assert model.bbox_head.num_classes == (3 if bccd else 25)
    assert model.backbone.img_size == (512 if bccd else 320)
    if pre:  # the Imagenette backbone (under the Groceries detector's weights if load_from)
        init = model.backbone.init_cfg
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert init.checkpoint == f'pretrain/{backbone}_imagenette_backbone.pth'
    lr_mult = cfg.optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult
    assert lr_mult == (0.1 if pre else 1.0)
    batch, epochs = dict(bccd=(4, 100), groceries=(16, 50))[schedule.split('_')[1].split('-')[0]]
    if schedule.startswith('1xb32'):  # the batch-32 recipe (the Groceries one, on BCCD too)
        batch, epochs = 32, int(re.match(r'1xb32-(\d+)e', schedule).group(1))
        assert cfg.optim_wrapper.optimizer.lr == 2e-4
    # the BCCD runs from a Groceries detector start from the last checkpoint of its config
    groceries_pre = (f'work_dirs/conditional-detr_{backbone}-imagenette-pre_{variant}_'
                     '1xb32-10e_groceries-320x320/epoch_10.pth')
    assert cfg.get('load_from') == (groceries_pre if pre == '-groceries-pre' else None)
    assert cfg.train_dataloader.batch_size == cfg.auto_scale_lr.base_batch_size == batch
    assert cfg.train_cfg.max_epochs == epochs
    milestones = [s.milestones for s in cfg.param_scheduler if s.type == 'MultiStepLR']
    assert milestones == [[epochs * 2 // 3]]
    warmup = [(s.begin, s.end) for s in cfg.param_scheduler if s.type == 'LinearLR']
    assert warmup == ([] if schedule == '1xb4-100e_bccd-512x512' else [(0, 490)])


def _build(model_cfg):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def _small_cfg(path=LINEAR):
    cfg = load_config(path).model
    cfg.backbone.update(img_size=64, init_cfg=None, drop_path_rate=0.)
    return cfg


def test_equals_stock_conditional_detr_with_the_same_encoder():
    """Everything but the encoder is mmdet's (the LIFE encoder's Linear variant adds the
    positional encoding after its projection, see qkv_attention.py, so it is not mmcv's
    attention): stock ConditionalDETR + ConditionalDETRHead given our encoder and weights give
    the same losses (the batched matching included) and predictions."""
    cfg = _small_cfg()
    ours = _build(cfg)
    stock_cfg = copy.deepcopy(cfg)
    stock_cfg.type = 'ConditionalDETR'
    stock_cfg.bbox_head.type = 'ConditionalDETRHead'
    stock_cfg.encoder.layer_cfg.self_attn_cfg = dict(embed_dims=256, num_heads=8,
                                                     batch_first=True)
    assert stock_cfg.encoder.layer_cfg.pop('pre_norm') is False  # mmdet's layers: post-norm
    stock = _build(stock_cfg)
    stock.encoder = copy.deepcopy(ours.encoder)
    stock.load_state_dict(ours.state_dict(), strict=True)
    imgs, samples = det_batch(sizes=((64, 64), (64, 48)), num_classes=25)
    losses = {}
    for name, model in (('ours', ours), ('stock', stock)):
        model.train()
        losses[name] = model.loss(imgs, copy.deepcopy(samples))
    assert losses['ours'].keys() == losses['stock'].keys()
    for k in losses['ours']:
        torch.testing.assert_close(losses['ours'][k], losses['stock'][k], rtol=1e-4, atol=1e-5,
                                   msg=k)
    preds = {}
    for name, model in (('ours', ours), ('stock', stock)):
        model.eval()
        with torch.no_grad():
            preds[name] = model.predict(imgs, copy.deepcopy(samples))
    for a, b in zip(preds['ours'], preds['stock']):
        torch.testing.assert_close(a.pred_instances.bboxes, b.pred_instances.bboxes, rtol=1e-4,
                                   atol=1e-3)  # pixels
        torch.testing.assert_close(a.pred_instances.scores, b.pred_instances.scores, rtol=1e-4,
                                   atol=1e-5)


def test_sigmoid_classifier_starts_at_the_prior():
    model = _build(_small_cfg())
    torch.testing.assert_close(torch.sigmoid(model.bbox_head.fc_cls.bias),
                               torch.full((25, ), 0.01))


def test_a_groceries_detector_initialises_a_bccd_one(tmp_path):
    """Detection pre-training, as `tools/train.py BCCD_CONFIG --allow-partial` with a Groceries
    checkpoint as load_from does it (mmengine's non-strict load): the BCCD detector takes every
    weight of the Groceries one but its classifier (25 classes there, 3 here), which keeps its
    own initialisation, and the backbone's position embedding, which mmpretrain resizes to the
    BCCD grid."""
    from mmengine.runner import load_checkpoint
    from mmpretrain.models.utils import resize_pos_embed

    from mmlife.utils import CheckpointMismatchError, check_checkpoint
    groceries = _build(_small_cfg(osp.join(
        CONFIG_DIR, 'conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_'
        '1xb16-50e_groceries-320x320.py')))
    bccd_cfg = _small_cfg(osp.join(
        CONFIG_DIR, 'conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_'
        '1xb32-300e_bccd-512x512.py'))
    bccd_cfg.backbone.img_size = 96  # a 6 x 6 grid against Groceries' 4 x 4
    bccd = _build(bccd_cfg)
    classifier = {k: v.clone() for k, v in bccd.bbox_head.fc_cls.state_dict().items()}
    torch.save({'state_dict': groceries.state_dict(), 'meta': {}}, tmp_path / 'groceries.pth')
    # tools/train.py's check names the classifier only (the position embedding is resized),
    # so the run needs --allow-partial
    with pytest.raises(CheckpointMismatchError, match=r'2 shape mismatches \(bbox_head\.fc_cls'
                       r'\.bias: checkpoint \(25,\) vs model \(3,\), bbox_head\.fc_cls\.weight'
                       r'[^)]*\)[^)]*\)\)\.'):
        check_checkpoint(bccd, str(tmp_path / 'groceries.pth'))
    check_checkpoint(bccd, str(tmp_path / 'groceries.pth'), allow_partial=True)
    load_checkpoint(bccd, str(tmp_path / 'groceries.pth'), map_location='cpu', strict=False)

    src, dst = groceries.state_dict(), bccd.state_dict()
    assert src.keys() == dst.keys()
    taken = {k for k in dst if src[k].shape == dst[k].shape and torch.equal(src[k], dst[k])}
    assert set(dst) - taken == {'bbox_head.fc_cls.weight', 'bbox_head.fc_cls.bias',
                                'backbone.pos_embed'}
    assert any('life' in k for k in taken)  # the LIFE layers of backbone and encoder came along
    assert bccd.bbox_head.fc_cls.weight.shape[0] == 3
    for k, v in bccd.bbox_head.fc_cls.state_dict().items():
        assert torch.equal(v, classifier[k])
    backbone = bccd.backbone
    expected = resize_pos_embed(src['backbone.pos_embed'], (4, 4), (6, 6),
                                mode=backbone.interpolate_mode,
                                num_extra_tokens=backbone.num_extra_tokens)
    torch.testing.assert_close(dst['backbone.pos_embed'], expected)


#: the detection pre-training configs -> the runs of docs/results.md they reproduce
DETPRE_RUNS = {
    'conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-10e_groceries-320x320.py':
    'cond-groceries_deit-tiny-imagenette-pre_encdec-linear',
    'conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb32-10e_groceries-320x320.py':
    'cond-groceries_deit-tiny-life-imagenette-pre_encdec-life',
    'conditional-detr_deit-tiny-groceries-pre_encdec-linear_1xb32-100e_bccd-512x512.py':
    'cond-bccd-detpre_deit-tiny-imagenette-pre_encdec-linear',
    'conditional-detr_deit-tiny-life-groceries-pre_encdec-life_1xb32-100e_bccd-512x512.py':
    'cond-bccd-detpre_deit-tiny-life-imagenette-pre_encdec-life',
}


def _flat(value, prefix=''):
    """A nested config as {'a.b.0.c': leaf}."""
    if isinstance(value, (list, tuple)):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        return {k: v for key, item in value.items()
                for k, v in _flat(item, f'{prefix}{key}.').items()}
    return {prefix[:-1]: value}


@pytest.mark.parametrize('name', sorted(DETPRE_RUNS))
def test_detection_pretraining_configs_are_the_runs_of_the_results(name):
    """Each config is what its committed run trained: the run's config with the `--cfg-options` of
    its command.txt (the lr as `auto_scale_lr` scaled it) gives the same settings, except where
    the Groceries checkpoint lies (the run's work dir there, the config's default work dir here)."""
    import argparse

    from mmengine.config import Config, DictAction
    words = open(osp.join(REPO, 'docs', 'logs', 'cond_detr_detpre', DETPRE_RUNS[name],
                          'command.txt')).read().split()
    assert words[1] == 'tools/train.py'
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args, _ = parser.parse_known_args(words[2:])
    ran = Config.fromfile(osp.join(REPO, args.config))
    ran.merge_from_dict(args.cfg_options)
    if ran.auto_scale_lr.get('enable', False):
        ran.optim_wrapper.optimizer.lr *= (ran.train_dataloader.batch_size /
                                           ran.auto_scale_lr.base_batch_size)
    ours = load_config(osp.join(CONFIG_DIR, name))
    # settings that do not reach the runner: the configs' own `max_epochs` variable, and
    # auto_scale_lr, which was enabled in the run and is applied above
    ran_flat, our_flat = (
        {k: v for k, v in _flat(c.to_dict()).items()
         if k != 'max_epochs' and not k.startswith('auto_scale_lr.')} for c in (ran, ours))
    differ = {k: (ran_flat.get(k), our_flat.get(k)) for k in ran_flat.keys() | our_flat.keys()
              if ran_flat.get(k) != our_flat.get(k)}
    if 'bccd' in name:
        run_ckpt, our_ckpt = differ.pop('load_from')
        assert run_ckpt.endswith('/epoch_10.pth') and our_ckpt.endswith('/epoch_10.pth')
    assert differ == {}
