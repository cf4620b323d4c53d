"""DeiT-LIFE backbones: LIFE in every block, same everything else, any input size, copies."""
import copy

import pytest
import torch
from mmpretrain.registry import MODELS

import mmlife.models  # noqa: F401
from mmlife.models import LIFE, GridQKV


def build(type_='LIFEVisionTransformer', **kwargs):
    cfg = dict(_scope_='mmpretrain', type=type_, arch='deit-tiny', img_size=32, patch_size=4)
    cfg.update(kwargs)
    return MODELS.build(cfg)


@pytest.mark.parametrize('type_, extra', [('LIFEVisionTransformer', 1),
                                          ('LIFEDistilledVisionTransformer', 2)])
def test_life_in_every_block(type_, extra):
    model = build(type_)
    assert all(isinstance(layer.attn.qkv, GridQKV) for layer in model.layers)
    assert all(layer.attn.qkv.num_extra_tokens == extra for layer in model.layers)
    plain = build(type_, use_life=False)
    assert all(isinstance(layer.attn.qkv, torch.nn.Linear) for layer in plain.layers)
    # everything but the QKV makers is shared: same parameter names outside attn.qkv
    names = {n for n, _ in model.named_parameters() if '.attn.qkv.' not in n}
    plain_names = {n for n, _ in plain.named_parameters() if '.attn.qkv.' not in n}
    assert names == plain_names


@pytest.mark.parametrize('use_life', [True, False])
def test_drop_path_rates_are_python_floats(use_life):
    # the stock class gives numpy rates, on which torch.compile breaks the graph in every block
    from mmcv.cnn.bricks.drop import DropPath
    model = build(use_life=use_life, drop_path_rate=0.1)
    rates = [m.drop_prob for m in model.modules() if isinstance(m, DropPath)]
    assert len(rates) == 2 * 12 and all(type(r) is float for r in rates)
    assert rates[-1] == pytest.approx(0.1)


@pytest.mark.parametrize('arch, dims', [('deit-tiny', 192), ('deit-small', 384),
                                        ('deit-base', 768)])
def test_param_overhead(arch, dims):
    life = sum(p.numel() for p in build(arch=arch).parameters())
    plain = sum(p.numel() for p in build(arch=arch, use_life=False).parameters())
    # per block: two depthwise convs (3x3 and 5x5) with biases
    assert life - plain == 12 * (9 + 25 + 2) * dims
    if arch == 'deit-tiny':
        assert 0.01 < life / plain - 1 < 0.02  # the paper: about +1.4 % for DeiT-T


def test_forward_matches_manual_blocks():
    """The backbone's output equals running its blocks by hand with LIFE given the grid."""
    torch.manual_seed(0)
    model = build(out_type='raw', drop_path_rate=0.0)
    model.eval()  # mmpretrain's train() returns None, so no chaining
    x = torch.randn(2, 3, 32, 24)  # non-square: 8 x 6 grid
    out = model(x)[0]
    tokens, hw = model.patch_embed(x)
    assert hw == (8, 6)
    tokens = torch.cat([model.cls_token.expand(2, -1, -1), tokens], 1)
    from mmpretrain.models.utils import resize_pos_embed
    tokens = tokens + resize_pos_embed(model.pos_embed, model.patch_resolution, hw,
                                       mode=model.interpolate_mode, num_extra_tokens=1)
    for layer in model.layers:
        h = layer.ln1(tokens)
        attn = layer.attn
        qkv = attn.qkv.life(h, hw, 1)
        q, k, v = qkv.reshape(2, -1, 3, attn.num_heads, attn.head_dims).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / attn.head_dims**0.5, -1) @ v
        tokens = tokens + attn.proj(a.transpose(1, 2).reshape(2, -1, attn.embed_dims))
        tokens = layer.ffn(layer.ln2(tokens), identity=tokens)
    tokens = model.ln1(tokens)
    torch.testing.assert_close(out, tokens, rtol=1e-4, atol=1e-4)


def test_any_input_size_and_deepcopy():
    model = build()
    model.eval()
    for size in [(32, 32), (48, 32), (16, 40)]:
        assert model(torch.randn(1, 3, *size))[0].shape == (1, 192)
    # a deep copy (EMA) has its own grid hook: running it sets its own modules' grid
    clone = copy.deepcopy(model)
    clone(torch.randn(1, 3, 16, 40))
    model(torch.randn(1, 3, 32, 32))
    assert clone.layers[0].attn.qkv.hw_shape == (4, 10)
    assert model.layers[0].attn.qkv.hw_shape == (8, 8)


def test_backward_reaches_life():
    model = build()
    # (a LayerNorm output summed over channels is constant: weight it randomly)
    (model(torch.randn(2, 3, 32, 32))[0] * torch.randn(2, 192)).sum().backward()
    life = model.layers[3].attn.qkv.life
    assert isinstance(life, LIFE)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in life.parameters())


def test_bad_arch_and_grid():
    with pytest.raises(ValueError, match='Unknown arch'):
        build(arch='deit-huge-typo')
    qkv = build().layers[0].attn.qkv
    qkv.hw_shape = None
    with pytest.raises(RuntimeError, match='grid'):
        qkv(torch.randn(1, 65, 192))
