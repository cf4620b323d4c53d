"""SwinV2-LIFE: stock attention maths, LIFE per window, shifted-window regions, stage windows."""
import copy

import pytest
import torch
from mmpretrain.models.utils import ShiftWindowMSA, WindowMSAV2
from mmpretrain.registry import MODELS

import mmlife.models  # noqa: F401
from mmlife.models import LIFE, GridQKV
from mmlife.models.backbones import LIFEWindowMSAV2

TINY_ARCH = dict(embed_dims=6, depths=[2, 2], num_heads=[1, 2], extra_norm_every_n_blocks=0)


def build(**kwargs):
    cfg = dict(type='LIFESwinTransformerV2', arch=TINY_ARCH, img_size=16, patch_size=1,
               window_size=[4, 4], out_indices=(1, ), drop_path_rate=0.0)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def make_life_msa(C=6, ws=4, heads=2, mode='mask', kernel_sizes=(1, 3, 5), seed=0):
    """A LIFE window attention as the backbone makes it, with non-trivial weights."""
    torch.manual_seed(seed)
    msa = WindowMSAV2(C, (ws, ws), heads)
    msa.__class__ = LIFEWindowMSAV2
    msa.q_bias = msa.v_bias = None
    msa.life_shift_mode = mode
    msa.qkv = GridQKV(LIFE(C, kernel_sizes=kernel_sizes), 0)
    msa.qkv.hw_shape = (ws, ws)
    with torch.no_grad():
        for p in msa.qkv.parameters():
            p.normal_(0, 0.3)
    return msa


def shift_mask(hw, ws, shift):
    return ShiftWindowMSA.get_attn_mask(hw, window_size=ws, shift_size=shift)


@pytest.mark.parametrize('with_mask', [False, True])
def test_attention_matches_stock_with_pointwise_life(with_mask):
    """With a single point-wise scale LIFE is the QKV Linear: outputs equal the stock module."""
    torch.manual_seed(0)
    stock = WindowMSAV2(6, (4, 4), 2)
    with torch.no_grad():
        for p in stock.parameters():
            p.normal_(0, 0.3)
    ours = make_life_msa(kernel_sizes=(1, ))
    ours.load_state_dict({k: v for k, v in stock.state_dict().items()
                          if not k.startswith(('qkv', 'q_bias', 'v_bias'))}, strict=False)
    pw = ours.qkv.life.pointwise[0]
    with torch.no_grad():
        pw.weight.copy_(stock.qkv.weight)
        pw.bias.copy_(torch.cat([stock.q_bias, torch.zeros_like(stock.q_bias), stock.v_bias]))
    mask = shift_mask((8, 8), 4, 2) if with_mask else None
    x = torch.randn(2 * 4, 16, 6)  # 2 images x 4 windows
    torch.testing.assert_close(ours(x, mask), stock(x, mask), rtol=1e-5, atol=1e-5)


def region_reference(msa, x, mask):
    """Every region of every window (tokens the mask lets attend to each other) through LIFE on
    the whole window with all other tokens zeroed (LIFE's key_padding_mask)."""
    ws = msa.window_size[0]
    nW = mask.shape[0]
    out = torch.empty(*x.shape[:2], 3 * x.shape[-1])
    for b in range(x.shape[0]):
        same = mask[b % nW] == 0
        for t in range(ws * ws):
            qkv = msa.qkv.life(x[b:b + 1], (ws, ws), key_padding_mask=~same[t][None])
            out[b, t] = qkv[0, t]
    return out


@pytest.mark.parametrize('hw, ws, shift', [((8, 8), 4, 2), ((12, 8), 4, 1), ((8, 8), 4, 3)])
def test_masked_regions_match_per_region_reference(hw, ws, shift):
    msa = make_life_msa(ws=ws)
    mask = shift_mask(hw, ws, shift)
    nW = mask.shape[0]
    x = torch.randn(2 * nW, ws * ws, 6)
    torch.testing.assert_close(msa.life_qkv(x, mask), region_reference(msa, x, mask),
                               rtol=1e-5, atol=1e-5)
    # windows with a single region are plain LIFE on the whole window
    plain = msa.qkv.life(x, (ws, ws))
    single = (mask == 0).all(-1).all(-1).repeat(2)
    assert single.any() and not single.all()
    torch.testing.assert_close(msa.life_qkv(x, mask)[single], plain[single])


def test_accept_mode_is_plain_life_on_the_window():
    msa = make_life_msa(mode='accept')
    mask = shift_mask((8, 8), 4, 2)
    x = torch.randn(4, 16, 6)
    torch.testing.assert_close(msa.life_qkv(x, mask), msa.qkv.life(x, (4, 4)))


def test_masked_regions_gradcheck():
    msa = make_life_msa(C=3, ws=2, heads=1).double()
    mask = shift_mask((4, 4), 2, 1).double()
    x = torch.randn(4, 4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: msa(t, mask), (x, ), fast_mode=True)


@pytest.mark.parametrize('mode, leaks', [('mask', False), ('accept', True)])
def test_shifted_block_seam(mode, leaks):
    """In a shifted block, the image's bottom-right corner must not see its top-left corner.

    After the cyclic shift (shift 2, window 4, 8x8 map) pixels (7, 7) and (0, 0) share a window,
    one diagonal step apart, but in different regions: the attention mask separates them, and in
    'mask' mode so does LIFE. In 'accept' mode LIFE's 3x3 conv carries (0, 0) into (7, 7).
    """
    model = build(life_shift_mode=mode, img_size=8, window_size=[4, 4])
    block = model.stages[0].blocks[1]
    assert block.attn.shift_size == 2
    x = torch.randn(1, 64, 6, requires_grad=True)
    out = block.attn(x, (8, 8))
    out[0, 7 * 8 + 7].sum().backward()
    grad = x.grad[0, 0].abs().max()
    assert (grad > 1e-4) if leaks else (grad < 1e-20)
    # the corner still sees its own neighbours
    assert x.grad[0, 6 * 8 + 6].abs().max() > 1e-4


def test_backbone_installs_life_everywhere():
    model = build()
    w_msas = [b.attn.w_msa for s in model.stages for b in s.blocks]
    assert all(type(w) is LIFEWindowMSAV2 for w in w_msas)
    assert all(isinstance(w.qkv, GridQKV) and w.qkv.hw_shape == (4, 4) for w in w_msas)
    assert all(w.q_bias is None and w.v_bias is None for w in w_msas)
    assert all(w.qkv.life.pointwise[0].bias is not None for w in w_msas)  # qkv_bias=True
    plain = build(use_life=False)
    assert all(type(b.attn.w_msa) is WindowMSAV2 for s in plain.stages for b in s.blocks)
    names = {n for n, _ in model.named_parameters() if '.w_msa.qkv.' not in n}
    plain_names = {n for n, _ in plain.named_parameters()
                   if '.w_msa.qkv.' not in n and not n.endswith(('q_bias', 'v_bias'))}
    assert names == plain_names


def test_backbone_forward_backward_and_copy():
    model = build()
    out = model(torch.randn(2, 3, 16, 16))[0]
    assert out.shape == (2, 12, 8, 8)
    out.sum().backward()
    life = model.stages[0].blocks[1].attn.w_msa.qkv.life
    assert life.depthwise[1].weight.grad.abs().sum() > 0
    twin = copy.deepcopy(model)
    torch.testing.assert_close(twin(torch.ones(1, 3, 16, 16))[0],
                               model(torch.ones(1, 3, 16, 16))[0])


def test_per_stage_windows_for_small_maps():
    """32 px with patch size 1 ends in a 4x4 map: window 8 there fails, [8, 8, 8, 4] works."""
    arch = dict(embed_dims=3, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1],
                extra_norm_every_n_blocks=0)
    model = build(arch=arch, img_size=32, window_size=[8, 8, 8, 4], out_indices=(3, ))
    assert model(torch.randn(1, 3, 32, 32))[0].shape == (1, 24, 4, 4)
    assert model.stages[3].blocks[0].attn.w_msa.qkv.hw_shape == (4, 4)
    too_big = build(arch=arch, img_size=32, window_size=8, out_indices=(3, ))
    with pytest.raises(AssertionError, match='smaller than the window'):
        too_big(torch.randn(1, 3, 32, 32))


def test_bad_shift_mode():
    with pytest.raises(ValueError, match='life_shift_mode'):
        build(life_shift_mode='ignore')
