"""LIFEMultiheadAttention: the three Q/K/V projections against references written out here."""
import pytest
import torch
import torch.nn as nn

from det_helpers import single_thread  # noqa: F401
from mmlife.det.models import LIFEMultiheadAttention
from mmlife.models import LIFE

pytestmark = pytest.mark.usefixtures('single_thread')


def reference_attention(attn, query, key, value, query_pos, key_pos, pad=None, attn_mask=None,
                        hw_shape=None):
    """Multi-head attention with explicit per-head matmuls and softmax (no SDPA)."""
    C, h = attn.embed_dims, attn.num_heads
    if attn.qkv_proj == 'none':
        q, k, v = query, key, value
    elif attn.qkv_proj == 'linear':
        W, b = attn.qkv.weight, attn.qkv.bias
        q = query @ W[:C].T + b[:C]
        k = key @ W[C:2 * C].T + b[C:2 * C]
        v = value @ W[2 * C:].T + b[2 * C:]
    else:
        q, k, v = attn.qkv(query, hw_shape, 0, pad).split(C, dim=-1)
    if query_pos is not None:
        q = q + query_pos
    if key_pos is not None:
        k = k + key_pos
    d = C // h
    outs = []
    for i in range(h):
        s = slice(i * d, (i + 1) * d)
        logits = q[..., s] @ k[..., s].transpose(1, 2) / d ** 0.5  # (B, Nq, Nk)
        if attn_mask is not None:
            logits = logits.masked_fill(attn_mask, float('-inf'))
        if pad is not None:
            logits = logits.masked_fill(pad[:, None, :], float('-inf'))
        outs.append(logits.softmax(-1) @ v[..., s])
    out = torch.cat(outs, -1) @ attn.out_proj.weight.T + attn.out_proj.bias
    return query + out


def make_attn(qkv_proj, C=12, heads=3, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    attn = LIFEMultiheadAttention(C, heads, qkv_proj=qkv_proj).to(dtype).eval()
    with torch.no_grad():
        for p in attn.parameters():
            p.normal_(0, 0.3)
    return attn


@pytest.mark.parametrize('qkv_proj', ['none', 'linear', 'life'])
@pytest.mark.parametrize('with_pad', [False, True])
def test_self_attention_matches_reference(qkv_proj, with_pad):
    attn = make_attn(qkv_proj)
    B, H, W, C = 2, 3, 4, 12
    x = torch.randn(B, H * W, C, dtype=torch.float64)
    pos = torch.randn(B, H * W, C, dtype=torch.float64)
    pad = None
    if with_pad:  # image 1 is 2 rows x 3 columns of the 3 x 4 map
        pad = torch.zeros(B, H, W, dtype=torch.bool)
        pad[1, 2:, :] = True
        pad[1, :, 3:] = True
        pad = pad.flatten(1)
    out = attn(x, x, x, query_pos=pos, key_pos=pos, key_padding_mask=pad, hw_shape=(H, W))
    ref = reference_attention(attn, x, x, x, pos, pos, pad, hw_shape=(H, W))
    torch.testing.assert_close(out, ref)


@pytest.mark.parametrize('qkv_proj', ['none', 'linear'])
def test_cross_attention_matches_reference(qkv_proj):
    attn = make_attn(qkv_proj)
    q = torch.randn(2, 5, 12, dtype=torch.float64)
    mem = torch.randn(2, 7, 12, dtype=torch.float64)
    qpos, kpos = torch.randn_like(q), torch.randn_like(mem)
    pad = torch.zeros(2, 7, dtype=torch.bool)
    pad[0, 5:] = True
    out = attn(q, mem, mem, query_pos=qpos, key_pos=kpos, key_padding_mask=pad)
    torch.testing.assert_close(out, reference_attention(attn, q, mem, mem, qpos, kpos, pad))
    # key and value given as different tensors take the K and V rows of the Linear apart
    val = torch.randn_like(mem)
    out = attn(q, mem, val, query_pos=qpos, key_pos=kpos)
    torch.testing.assert_close(out, reference_attention(attn, q, mem, val, qpos, kpos))


def test_attn_mask_bool_and_float():
    attn = make_attn('linear')
    x = torch.randn(2, 6, 12, dtype=torch.float64)
    mask = torch.rand(6, 6) > 0.6
    mask.fill_diagonal_(False)  # every query keeps a key
    ref = reference_attention(attn, x, x, x, None, None, attn_mask=mask)
    torch.testing.assert_close(attn(x, attn_mask=mask), ref)
    additive = torch.zeros(6, 6, dtype=torch.float64).masked_fill(mask, float('-inf'))
    torch.testing.assert_close(attn(x, attn_mask=additive), ref)


def test_linear_without_pos_equals_torch_multihead_attention():
    """With no positional encoding the Linear variant is nn.MultiheadAttention + identity."""
    attn = make_attn('linear')
    mha = nn.MultiheadAttention(12, 3, batch_first=True).double().eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(attn.qkv.weight)
        mha.in_proj_bias.copy_(attn.qkv.bias)
        mha.out_proj.weight.copy_(attn.out_proj.weight)
        mha.out_proj.bias.copy_(attn.out_proj.bias)
    x = torch.randn(2, 6, 12, dtype=torch.float64)
    pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    expected = x + mha(x, x, x, key_padding_mask=pad, need_weights=False)[0]
    torch.testing.assert_close(attn(x, key_padding_mask=pad), expected)


def test_none_has_no_input_projection():
    attn = LIFEMultiheadAttention(256, 8, qkv_proj='none')
    assert attn.qkv is None
    assert {n for n, _ in attn.named_parameters()} == {'out_proj.weight', 'out_proj.bias'}
    assert sum(p.numel() for p in attn.parameters()) == 256 * 256 + 256
    linear = LIFEMultiheadAttention(256, 8, qkv_proj='linear')
    assert sum(p.numel() for p in linear.qkv.parameters()) == 256 * 768 + 768
    life = LIFEMultiheadAttention(256, 8, qkv_proj='life')
    assert isinstance(life.qkv, LIFE) and life.qkv.split == (86, 85, 85)


@pytest.mark.parametrize('qkv_proj', ['none', 'linear', 'life'])
def test_padding_does_not_leak(qkv_proj):
    """Whatever the padded tokens hold, the valid tokens' outputs stay the same."""
    attn = make_attn(qkv_proj)
    H, W = 4, 5
    x = torch.randn(1, H * W, 12, dtype=torch.float64)
    pos = torch.randn_like(x)
    pad = torch.zeros(1, H, W, dtype=torch.bool)
    pad[:, 3:, :] = True
    pad[:, :, 4:] = True
    pad = pad.flatten(1)
    x2 = x.clone()
    x2[pad] = 100 * torch.randn(int(pad.sum()), 12, dtype=torch.float64)
    outs = [attn(t, query_pos=pos, key_padding_mask=pad, hw_shape=(H, W)) for t in (x, x2)]
    torch.testing.assert_close(outs[0][~pad], outs[1][~pad])
    if qkv_proj == 'life':  # without the mask, the depthwise convs carry the padding inward
        leak = [attn(t, query_pos=pos, hw_shape=(H, W)) for t in (x, x2)]
        assert not torch.allclose(leak[0][~pad], leak[1][~pad])


@pytest.mark.parametrize('qkv_proj', ['none', 'linear', 'life'])
def test_gradients(qkv_proj):
    attn = make_attn(qkv_proj, C=6, heads=2)
    x = torch.randn(1, 6, 6, dtype=torch.float64, requires_grad=True)
    pos = torch.randn(1, 6, 6, dtype=torch.float64)
    pad = torch.tensor([[False] * 5 + [True]])
    torch.autograd.gradcheck(
        lambda t: attn(t, query_pos=pos, key_padding_mask=pad, hw_shape=(2, 3)), (x, ))


def test_bad_input():
    with pytest.raises(ValueError, match='qkv_proj'):
        LIFEMultiheadAttention(12, 3, qkv_proj='conv')
    with pytest.raises(ValueError, match='divisible'):
        LIFEMultiheadAttention(10, 3)
    with pytest.raises(ValueError, match='life_cfg'):
        LIFEMultiheadAttention(12, 3, qkv_proj='linear', life_cfg=dict(kernel_sizes=(1, 3)))
    with pytest.raises(ValueError, match='batch first'):
        LIFEMultiheadAttention(12, 3, batch_first=False)
    life = LIFEMultiheadAttention(12, 3, qkv_proj='life')
    x = torch.randn(1, 6, 12)
    with pytest.raises(ValueError, match='hw_shape'):
        life(x)
    with pytest.raises(ValueError, match='self-attention'):
        life(x, torch.randn(1, 6, 12), hw_shape=(2, 3))
    linear = LIFEMultiheadAttention(12, 3)
    with pytest.raises(ValueError, match='bool'):
        linear(x, key_padding_mask=torch.zeros(1, 6))
    with pytest.raises(ValueError, match='key_padding_mask must be'):
        linear(x, key_padding_mask=torch.zeros(1, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match='query must be'):
        linear(torch.randn(1, 6, 8))


def test_life_cfg_reaches_life():
    attn = LIFEMultiheadAttention(12, 3, qkv_proj='life', life_cfg=dict(kernel_sizes=(1, 3)))
    assert attn.qkv.kernel_sizes == (1, 3)
