"""The DETR training-step profiler runs one synthetic step on CPU and counts what it should."""
import json
import os.path as osp

import pytest

from mmlife.analysis.det_step_profile import PHASES, profile_det_step, table

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'detection', 'detr',
                  'detr_deit-tiny_encdec-linear_1xb4-300e_bccd-512x512.py')
TINY = {'model.backbone.img_size': 32, 'train_dataloader.dataset.pipeline.3.scale': (32, 32),
        'model.encoder.num_layers': 1, 'model.decoder.num_layers': 2,
        'model.num_queries': 10, 'model.backbone.arch': dict(_delete_=True,
            embed_dims=192, num_layers=1, num_heads=3, feedforward_channels=192),
        'model.encoder.layer_cfg.ffn_cfg.feedforward_channels': 64,
        'model.decoder.layer_cfg.ffn_cfg.feedforward_channels': 64}


def _profile(head):
    return profile_det_step(CONFIG, dict(TINY, **{'model.bbox_head.type': head}), batch_size=2,
                            iters=1, warmup=0, synthetic=True, device='cpu')


@pytest.fixture(scope='module')
def results():
    return {head: _profile(head) for head in ('DETRHead', 'BatchedMatchDETRHead')}


def test_one_step_numbers(results):
    r = results['BatchedMatchDETRHead']
    assert r['batch_size'] == 2 and r['img_hw'] == [32, 32] and r['head'] == 'BatchedMatchDETRHead'
    assert list(r['phases']) == list(PHASES)
    assert r['img_per_s'] > 0 and r['aten_ops'] == sum(p['aten_ops'] for p in r['phases'].values())
    assert all(p['aten_ops'] > 0 for p in r['phases'].values())
    assert r['phases']['backbone+neck']['syncs'] == 0  # no host read in the backbone
    # the configs' fused AdamW reads no per-parameter step count; the one read left is
    # mmengine's float() of the clipped gradient norm for the log
    assert r['phases']['optimizer']['sync_kinds'] == {'float': 1}
    # RuntimeInfoHook reads every logged loss: loss + 3 per decoder layer
    assert r['phases']['log_vars']['sync_kinds'] == {'item': 1 + 3 * 2}
    json.dumps(r)
    text = table(r)
    assert 'head_loss' in text and 'img/s' in text


def test_batched_head_has_fewer_ops_and_syncs(results):
    stock = results['DETRHead']['phases']['head_loss']
    batched = results['BatchedMatchDETRHead']['phases']['head_loss']
    # stock: one cost .cpu(), 2 nonzero, 2 unique per (layer, image); batched: one .cpu()
    assert stock['sync_kinds']['cpu'] == 2 * 2 and stock['sync_kinds']['nonzero'] == 2 * 2 * 2
    assert batched['sync_kinds']['cpu'] == 1 and 'nonzero' not in batched['sync_kinds']
    assert batched['aten_ops'] < stock['aten_ops']


def test_bad_arguments():
    with pytest.raises(ValueError, match="amp must be 'none', 'fp16' or 'bf16'"):
        profile_det_step(CONFIG, TINY, amp='fp8', synthetic=True, device='cpu')
    with pytest.raises(ValueError, match='needs a CUDA device'):
        profile_det_step(CONFIG, TINY, amp='fp16', synthetic=True, device='cpu')
    with pytest.raises(ValueError, match='iters must be >= 1'):
        profile_det_step(CONFIG, TINY, iters=0, synthetic=True, device='cpu')


def test_cfg_option_typo_fails():
    # as tools/train.py: a key that is not in the config is an error, not a new unused key
    from mmlife.utils import ConfigKeyError
    with pytest.raises(ConfigKeyError, match="Did you mean 'bbox_head'"):
        profile_det_step(CONFIG, dict(TINY, **{'model.bbox_haed.type': 'DETRHead'}),
                         synthetic=True, device='cpu')
