"""T2T-ViT(-LIFE): the attention scale fix, soft splits, Token Performer, LIFE in the encoder."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import T2T_ViT
from mmpretrain.models.backbones.t2t_vit import T2TTransformerLayer
from mmpretrain.registry import MODELS

import mmlife.models  # noqa: F401
from mmlife.models import GridQKV
from mmlife.models.backbones import AdaptiveT2TModule, TokenPerformer, fix_qk_scale


def reference_t2t_layer(layer, x, scale):
    """A T2T transformer layer written out by hand: softmax(q k^T * scale) v per head."""
    attn = layer.attn
    h = F.layer_norm(x, (x.shape[-1], ), layer.ln1.weight, layer.ln1.bias, layer.ln1.eps)
    qkv = h @ attn.qkv.weight.T
    if attn.qkv.bias is not None:
        qkv = qkv + attn.qkv.bias
    E, H = attn.embed_dims, attn.num_heads
    d = E // H
    q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
    heads = []
    for i in range(H):
        qi, ki, vi = (t[..., i * d:(i + 1) * d] for t in (q, k, v))
        heads.append(torch.softmax(qi @ ki.transpose(-2, -1) * scale, dim=-1) @ vi)
    out = torch.cat(heads, -1) @ attn.proj.weight.T + attn.proj.bias
    y = v + out if layer.v_shortcut else x + out
    ffn = layer.ffn
    z = F.layer_norm(y, (E, ), layer.ln2.weight, layer.ln2.bias, layer.ln2.eps)
    lin1, lin2 = ffn.layers[0][0], ffn.layers[1]
    z = F.gelu(z @ lin1.weight.T + lin1.bias) @ lin2.weight.T + lin2.bias
    return y + z


@pytest.mark.parametrize('kwargs, scale', [
    # a T2T-module layer: official scale (input_dims / heads) ** -0.5, value shortcut
    (dict(input_dims=27, embed_dims=8, num_heads=1, feedforward_channels=8), 27**-0.5),
    # an encoder layer: head_dims ** -0.5
    (dict(embed_dims=12, num_heads=3, feedforward_channels=24), 4**-0.5),
])
def test_qk_scale_fix_matches_hand_written_attention(kwargs, scale):
    torch.manual_seed(0)
    layer = T2TTransformerLayer(**kwargs).eval()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 0.5)  # large enough logits that the scale matters
    x = torch.randn(2, 10, kwargs.get('input_dims', kwargs['embed_dims']))
    expected = reference_t2t_layer(layer, x, scale)

    # the bug: stock mmpretrain 1.2.0 multiplies the logits by sqrt(head_dims)
    bugged = reference_t2t_layer(layer, x, (kwargs['embed_dims'] // kwargs['num_heads'])**0.5)
    torch.testing.assert_close(layer(x), bugged, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(layer(x), expected, atol=1e-2)

    fix_qk_scale(layer.attn)
    assert layer.attn.scale == pytest.approx(scale)
    torch.testing.assert_close(layer(x), expected, rtol=1e-4, atol=1e-4)


def test_every_attention_of_the_backbone_is_fixed():
    model = MODELS.build(dict(type='LIFET2TViT', img_size=32, embed_dims=24, num_layers=2,
                              layer_cfgs=dict(num_heads=2, feedforward_channels=48),
                              t2t_cfg=dict(token_dims=8, soft_splits='small')))
    t2t = model.tokens_to_token
    assert t2t.attention1.attn.scale == pytest.approx(27**-0.5)  # 3 channels x 3 x 3
    assert t2t.attention2.attn.scale == pytest.approx(72**-0.5)  # 8 channels x 3 x 3
    assert all(layer.attn.scale == pytest.approx(12**-0.5) for layer in model.encoder)
    custom = MODELS.build(dict(type='LIFET2TViT', img_size=32, embed_dims=24, num_layers=2,
                               layer_cfgs=dict(num_heads=2, feedforward_channels=48,
                                               qk_scale=0.25),
                               t2t_cfg=dict(token_dims=8, soft_splits='small')))
    assert all(layer.attn.scale == 0.25 for layer in custom.encoder)


@pytest.mark.parametrize('soft_splits, size, grid', [
    ('imagenet', 224, (14, 14)),
    ('imagenet', 32, (2, 2)),  # why small images need the adaptation
    ('small', 32, (8, 8)),
    ('small', 64, (16, 16)),
    (((3, 2, 1), (3, 1, 1), (1, 1, 0)), 32, (16, 16)),
])
def test_soft_splits_token_grid(soft_splits, size, grid):
    t2t = AdaptiveT2TModule(img_size=size, embed_dims=16, token_dims=8, soft_splits=soft_splits)
    assert tuple(t2t.init_out_size) == grid
    tokens, hw = t2t(torch.randn(1, 3, size, size))
    assert tuple(hw) == grid and tokens.shape == (1, grid[0] * grid[1], 16)


def test_small_soft_splits_layer_widths():
    t2t = AdaptiveT2TModule(img_size=32, embed_dims=16, token_dims=8, soft_splits='small')
    assert t2t.attention1.attn.input_dims == 3 * 3 * 3
    assert t2t.attention2.attn.input_dims == 8 * 3 * 3
    assert t2t.project.in_features == 8  # last unfold is 1x1


@pytest.mark.parametrize('bad', ['tiny', ((3, 2, 1), (3, 2, 1)), ((3, 0, 1), (3, 2, 1),
                                                                  (1, 1, 0))])
def test_bad_soft_splits(bad):
    with pytest.raises(ValueError, match='soft_splits'):
        AdaptiveT2TModule(img_size=32, soft_splits=bad)


def reference_performer(layer, x):
    """The Token Performer with explicit sums over tokens and random features."""
    h = F.layer_norm(x, (x.shape[-1], ), layer.ln1.weight, layer.ln1.bias, layer.ln1.eps)
    kqv = h @ layer.kqv.weight.T + layer.kqv.bias
    C = layer.embed_dims
    k, q, v = kqv[..., :C], kqv[..., C:2 * C], kqv[..., 2 * C:]
    w = layer.random_features
    m = w.shape[0]

    def phi(t):
        return torch.stack([torch.exp(t @ w[j] - 0.5 * (t * t).sum(-1)) for j in range(m)],
                           -1) / math.sqrt(m)

    qp, kp = phi(q), phi(k)
    B, N = x.shape[:2]
    y = torch.zeros(B, N, C, dtype=x.dtype)
    for b in range(B):
        for i in range(N):
            weights = torch.stack([qp[b, i] @ kp[b, j] for j in range(N)])
            y[b, i] = (weights[:, None] * v[b]).sum(0) / (weights.sum() + 1e-8)
    y = v + y @ layer.proj.weight.T + layer.proj.bias
    return y + layer.mlp(F.layer_norm(y, (C, ), layer.ln2.weight, layer.ln2.bias, layer.ln2.eps))


def test_performer_matches_reference():
    torch.manual_seed(0)
    layer = TokenPerformer(12, 8, kernel_ratio=0.5).eval().double()
    x = torch.randn(2, 7, 12, dtype=torch.float64)
    torch.testing.assert_close(layer(x), reference_performer(layer, x))
    assert torch.autograd.gradcheck(lambda t: layer(t), (x.clone().requires_grad_(), ))


def test_performer_approximates_softmax_attention():
    """phi(q) . phi(k) is an unbiased estimate of exp(q . k) for Gaussian random features."""
    torch.manual_seed(0)
    layer = TokenPerformer(4, 4).double()
    q, k = 0.3 * torch.randn(2, 2, 9, 4, dtype=torch.float64)
    layer.random_features = torch.randn(2**16, 4, dtype=torch.float64)
    approx = layer.feature_map(q) @ layer.feature_map(k).transpose(-2, -1)
    torch.testing.assert_close(approx, (q @ k.transpose(-2, -1)).exp(), rtol=0.1, atol=0)


def build_t2t12(life, size=32, **kwargs):
    dims = 252 if life else 256
    cfg = dict(type='LIFET2TViT', img_size=size, embed_dims=dims, num_layers=12,
               layer_cfgs=dict(num_heads=4, feedforward_channels=2 * dims),
               t2t_cfg=dict(token_dims=64, soft_splits='small', use_performer=True),
               drop_path_rate=0.0, use_life=life)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_t2t_vit_12_life():
    model = build_t2t12(True)
    assert all(isinstance(layer.attn.qkv, GridQKV) for layer in model.encoder)
    life = model.encoder[0].attn.qkv.life
    assert life.embed_dims == 252 and life.split == (84, 84, 84)
    assert life.pointwise[0].bias is None  # follows T2T-ViT's qkv_bias=False
    # LIFE is only in the encoder: the T2T module's layers are Performers
    assert isinstance(model.tokens_to_token.attention1, TokenPerformer)
    plain = build_t2t12(False)
    assert all(isinstance(layer.attn.qkv, torch.nn.Linear) for layer in plain.encoder)

    x = torch.randn(2, 3, 32, 40)  # non-square: 8 x 10 tokens
    out = model(x)[0]
    assert out.shape == (2, 252)
    assert all(layer.attn.qkv.hw_shape == (8, 10) for layer in model.encoder)
    out.sum().backward()
    assert model.encoder[0].attn.qkv.life.depthwise[1].weight.grad.abs().sum() > 0
    # deep copies (EMA) keep their own grid hook
    twin = copy.deepcopy(model)
    twin(torch.randn(1, 3, 64, 64))
    assert twin.encoder[0].attn.qkv.hw_shape == (16, 16)
    assert model.encoder[0].attn.qkv.hw_shape == (8, 10)


def test_life_backbone_matches_manual_encoder():
    """The backbone's output equals running the encoder by hand with LIFE given the grid."""
    torch.manual_seed(0)
    model = MODELS.build(dict(type='LIFET2TViT', img_size=32, embed_dims=24, num_layers=2,
                              layer_cfgs=dict(num_heads=2, feedforward_channels=48),
                              t2t_cfg=dict(token_dims=8, soft_splits='small'),
                              out_type='raw'))
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    tokens, hw = model.tokens_to_token(x)
    tokens = torch.cat([model.cls_token.expand(2, -1, -1), tokens], 1) + model.pos_embed
    for layer in model.encoder:
        h = layer.ln1(tokens)
        attn = layer.attn
        qkv = attn.qkv.life(h, hw, 1)
        q, k, v = qkv.reshape(2, -1, 3, 2, 12).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(12), -1) @ v
        tokens = tokens + attn.proj(a.transpose(1, 2).reshape(2, -1, 24))
        tokens = layer.ffn(layer.ln2(tokens), identity=tokens)
    torch.testing.assert_close(model(x)[0], model.norm(tokens), rtol=1e-4, atol=1e-4)


def test_loads_stock_checkpoint():
    """use_life=False with the stock T2T module has mmpretrain's T2T_ViT state-dict layout."""
    cfg = dict(img_size=224, embed_dims=48, num_layers=2,
               layer_cfgs=dict(num_heads=2, feedforward_channels=96))
    stock = T2T_ViT(t2t_cfg=dict(token_dims=16), **cfg)
    ours = MODELS.build(dict(type='LIFET2TViT', use_life=False,
                             t2t_cfg=dict(token_dims=16), **cfg))
    ours.load_state_dict(stock.state_dict(), strict=True)
    torch.testing.assert_close(ours.pos_embed, stock.pos_embed)


@pytest.mark.parametrize('life', [True, False])
def test_drop_path_rates_are_python_floats(life):
    # the stock T2T-ViT gives numpy rates, on which torch.compile breaks the graph in every block
    from mmcv.cnn.bricks.drop import DropPath
    model = build_t2t12(life, drop_path_rate=0.1)
    rates = [m.drop_prob for m in model.encoder.modules() if isinstance(m, DropPath)]
    assert len(rates) == 2 * 12 and all(type(r) is float for r in rates), rates
    assert rates[-1] == pytest.approx(0.1)
