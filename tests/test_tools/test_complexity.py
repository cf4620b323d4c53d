"""tools/analysis_tools/complexity.py: the attention handle, hand counts, the CLI table."""
import os.path as osp

import pytest
import torch

from conftest import REPO, load_tool, run_tool


@pytest.fixture(scope='module')
def cx():
    return load_tool('tools', 'analysis_tools', 'complexity.py')


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
def test_vit_macs_match_hand_count(cx, tmp_path, life):
    base = f"deit/deit-tiny{'-life' if life else ''}_p4_8xb64_cifar10.py"
    res = cx.complexity(write_cfg(tmp_path, base, TINY_VIT))
    assert res['shape'] == (32, 32)
    assert round(res['gmacs'] * 1e9) == vit_macs_by_hand(life=life)


def test_sdpa_handle():
    from mmlife.utils.complexity import flop_analyzer

    class Attention(torch.nn.Module):
        def forward(self, q, k, v):
            return torch.nn.functional.scaled_dot_product_attention(q, k, v)

    q, k, v = torch.zeros(2, 3, 5, 4), torch.zeros(2, 3, 7, 4), torch.zeros(2, 3, 7, 6)
    analyzer = flop_analyzer(Attention(), (q, k, v))
    assert analyzer.total() == 2 * 3 * 5 * 7 * (4 + 6)


def test_swin_shift_mask_costs_no_extra_macs(cx, tmp_path):
    """Region-wise LIFE in shifted windows computes every token once: MACs equal 'accept'."""
    def cfg(extra):
        return write_cfg(tmp_path, 'swinv2/swinv2-tiny-w8-life_p1_8xb64_cifar10.py', f"""
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=6, depths=[2, 2],
    num_heads=[1, 2], extra_norm_every_n_blocks=0), window_size=[8, 4], out_indices=(1, ),
    {extra}), head=dict(in_channels=12))""")

    masked = cx.complexity(cfg("life_shift_mode='mask'"))['gmacs']
    accept = cx.complexity(cfg("life_shift_mode='accept'"))['gmacs']
    plain = cx.complexity(cfg('use_life=False'))['gmacs']
    assert masked == accept > plain


def test_cli_table(tmp_path):
    cfg = write_cfg(tmp_path, 'deit/deit-tiny-life_p4_8xb64_cifar10.py', TINY_VIT)
    out = run_tool(['tools/analysis_tools/complexity.py', cfg, '--shape', '64', '48'])
    row = [line for line in out.splitlines() if line.startswith('| cfg_')]
    assert len(row) == 1 and '| 64x48 |' in row[0]
    assert '| Model | Input | Params (M) | GMACs |' in out


@pytest.mark.parametrize('config, size', [
    ('resnet/resnet18_1xb128_cifar100.py', 32), ('resnet/resnet18_1xb128_tinyimagenet.py', 64),
    ('deit/deit-tiny_p4_8xb64_cifar10.py', 32), ('resnet/resnet50_8xb32_in1k.py', 224),
    ('swinv2/swinv2-tiny-w8_8xb64_imagenet100-256px.py', 256)])
def test_native_input_size(cx, config, size):
    from mmengine.config import Config
    assert cx.input_size(Config.fromfile(osp.join(cx.CFG, config))) == size


def test_table1_rows_exist(cx):
    for name, config, base in cx.TABLE1:
        assert osp.isfile(osp.join(cx.CFG, config)), config
        assert base is None or base in cx.REFERENCES
