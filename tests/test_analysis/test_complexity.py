"""mmlife.analysis.complexity on classification configs: the attention handle, hand counts,
native input sizes, the tables, and tools/analysis_tools/get_flops.py. (Detection and
segmentation: tests/test_det/test_det_complexity.py, tests/test_seg/test_seg_tools.py.)"""
import os.path as osp

import pytest
import torch

from conftest import REPO, run_tool
from mmlife.analysis import complexity as cx

CFG = osp.join(REPO, 'configs', 'classification')


def write_cfg(tmp_path, base, extra):
    path = tmp_path / f'cfg_{abs(hash(extra))}.py'
    path.write_text(f"_base_ = {osp.join(REPO, 'configs', 'classification', base)!r}\n{extra}\n")
    return str(path)


TINY_VIT = """model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=12, num_layers=2,
    num_heads=2, feedforward_channels=24)), head=dict(in_channels=12))"""


def vit_macs_by_hand(C=12, L=2, F=24, N=64, classes=10, life=False):
    """DeiT on a 32 px image with 4 px patches: 64 tokens + cls."""
    T = N + 1
    patch = N * 3 * 16 * C
    qkv = T * C * 3 * C
    if life:  # three C x C point-wise layers, 3x3 and 5x5 depthwise convs on the patch tokens
        qkv = 3 * T * C * C + N * C * (9 + 25)
    attn = 2 * T * T * C  # Q K^T and A V over all heads
    block = qkv + attn + T * C * C + 2 * T * C * F
    norms = (2 * L + 1) * T * C * 5  # fvcore's layer-norm handle: 5 per element
    return patch + L * block + norms + C * classes


@pytest.mark.parametrize('life', [False, True])
def test_vit_macs_match_hand_count(tmp_path, life):
    base = f"deit/deit-tiny{'-life' if life else ''}_p4_8xb64_cifar10.py"
    res = cx.complexity(write_cfg(tmp_path, base, TINY_VIT))
    assert res['task'] == 'classification' and res['shape'] == (32, 32)
    assert res['macs'] == vit_macs_by_hand(life=life)
    assert res['attn_macs'] == 2 * 2 * 65 * 65 * 12  # 2 blocks, Q K^T and A V over 65 tokens
    assert sum(p['macs'] for p in res['parts'].values()) == res['macs']
    assert set(res['parts']) >= {'backbone', 'head'}


def test_sdpa_handle():
    from mmlife.analysis.complexity import flop_analyzer

    class Attention(torch.nn.Module):
        def forward(self, q, k, v):
            return torch.nn.functional.scaled_dot_product_attention(q, k, v)

    q, k, v = torch.zeros(2, 3, 5, 4), torch.zeros(2, 3, 7, 4), torch.zeros(2, 3, 7, 6)
    analyzer = flop_analyzer(Attention(), (q, k, v))
    assert analyzer.total() == 2 * 3 * 5 * 7 * (4 + 6)


def test_swin_shift_mask_costs_no_extra_macs(tmp_path):
    """Region-wise LIFE in shifted windows computes every token once: MACs equal 'accept'."""
    def cfg(extra):
        return write_cfg(tmp_path, 'swinv2/swinv2-tiny-w8-life_p1_8xb64_cifar10.py', f"""
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=6, depths=[2, 2],
    num_heads=[1, 2], extra_norm_every_n_blocks=0), window_size=[8, 4], out_indices=(1, ),
    {extra}), head=dict(in_channels=12))""")

    masked = cx.complexity(cfg("life_shift_mode='mask'"))['macs']
    accept = cx.complexity(cfg("life_shift_mode='accept'"))['macs']
    plain = cx.complexity(cfg('use_life=False'))['macs']
    assert masked == accept > plain


def test_cli_table(tmp_path):
    cfg = write_cfg(tmp_path, 'deit/deit-tiny-life_p4_8xb64_cifar10.py', TINY_VIT)
    out = run_tool(['tools/analysis_tools/get_flops.py', cfg, '--shape', '64', '48', '--parts'])
    row = [line for line in out.splitlines() if line.startswith('| cfg_')]
    assert len(row) == 1 and '| 64x48 |' in row[0] and 'backbone' in row[0]
    assert '| model | input | params (M) | GMACs | attention GMACs |' in out


def test_table1_against_hand_made_rows(monkeypatch):
    """Reference columns: published values for base models, the change over the base for LIFE."""
    results = {'DeiT-T': dict(params=5.72e6, macs=1.26e9, shape=(224, 224)),
               'DeiT-T-LIFE': dict(params=5.72e6 * 1.015, macs=1.26e9 * 1.012,
                                   shape=(224, 224))}
    monkeypatch.setattr(cx, 'TABLE1', [('DeiT-T', 'deit/t.py', None),
                                       ('DeiT-T-LIFE', 'deit/t-life.py', 'DeiT-T')])
    monkeypatch.setattr(cx, 'complexity',
                        lambda config, shape=None: results['DeiT-T-LIFE' if 'life' in config
                                                           else 'DeiT-T'])
    out = cx.table1('configs')
    assert '| DeiT-T | 224x224 | 5.72 | 1.26 | 5.72 | 1.26 | `deit/t.py` |' in out
    assert '| DeiT-T-LIFE | 224x224 | 5.81 | 1.28 | DeiT-T +1.5 % | DeiT-T +1.2 % |' in out


def test_unknown_scope_is_refused(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text("default_scope = 'mmyolo'\nmodel = dict(type='X')\n")
    with pytest.raises(ValueError, match="default_scope 'mmyolo' is not one of"):
        cx.complexity(str(path))


@pytest.mark.parametrize('config, size', [
    ('resnet/resnet18_1xb128_cifar100.py', 32), ('resnet/resnet18_1xb128_tinyimagenet.py', 64),
    ('deit/deit-tiny_p4_8xb64_cifar10.py', 32), ('resnet/resnet50_8xb32_in1k.py', 224),
    ('swinv2/swinv2-tiny-w8_8xb64_imagenet100-256px.py', 256)])
def test_native_input_size(config, size):
    from mmengine.config import Config
    assert cx.input_shape(Config.fromfile(osp.join(CFG, config))) == (size, size)


def test_table1_rows_exist():
    for name, config, base in cx.TABLE1:
        assert osp.isfile(osp.join(CFG, config)), config
        assert base is None or base in cx.REFERENCES
