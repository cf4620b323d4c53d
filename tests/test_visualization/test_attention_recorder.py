"""AttentionRecorder: probabilities against independent references, and no trace when inactive."""
import copy

import pytest
import torch
import torch.nn as nn

from mmlife.visualization import AttentionRecorder, register_attention_handler, \
    registered_handlers


def tiny_vit(use_life, num_extra=1, seed=0):
    import mmlife.models  # noqa: F401
    from mmpretrain.registry import MODELS
    torch.manual_seed(seed)
    typ = 'LIFEVisionTransformer' if num_extra == 1 else 'LIFEDistilledVisionTransformer'
    bb = MODELS.build(dict(type=typ, arch=dict(embed_dims=24, num_layers=3, num_heads=2,
                                               feedforward_channels=48),
                           img_size=16, patch_size=4, use_life=use_life))
    bb.eval()
    return bb


def snapshot(model):
    """Everything a recorder could leave behind: instance attributes, hooks, parameters."""
    return {name: (dict(m.__dict__.get('_forward_hooks')), dict(m._forward_pre_hooks),
                   {k: v for k, v in m.__dict__.items() if not k.startswith('_')})
            for name, m in model.named_modules()}


def reference_vit_probs(bb, x):
    """softmax(Q K^T / sqrt(d)) of every block, from the blocks' inputs and their qkv."""
    inputs = []
    hooks = [layer.attn.register_forward_pre_hook(lambda m, a: inputs.append(a[0]))
             for layer in bb.layers]
    with torch.no_grad():
        bb(x)
        probs = []
        for layer, t in zip(bb.layers, inputs):
            attn = layer.attn
            B, N, _ = t.shape
            qkv = attn.qkv(t).reshape(B, N, 3, attn.num_heads, attn.head_dims)
            q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)
            probs.append(torch.softmax(q @ k.transpose(-1, -2) / attn.head_dims**0.5, dim=-1))
    for h in hooks:
        h.remove()
    return probs


@pytest.mark.parametrize('use_life', [False, True])
@pytest.mark.parametrize('num_extra', [1, 2])
def test_vit_records_probabilities(use_life, num_extra):
    bb = tiny_vit(use_life, num_extra)
    x = torch.randn(3, 3, 16, 16)
    with AttentionRecorder(bb) as rec:
        with torch.no_grad():
            bb(x)
    assert list(rec.modules) == ['layers.0.attn', 'layers.1.attn', 'layers.2.attn']
    assert [r.name for r in rec.records] == list(rec.modules)
    ref = reference_vit_probs(bb, x)
    assert len(rec.attentions) == 3
    for got, want in zip(rec.attentions, ref):
        assert got.shape == (3, 2, num_extra + 16, num_extra + 16)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(got.sum(-1), torch.ones(3, 2, num_extra + 16))


@pytest.mark.parametrize('use_life', [False, True])
def test_bit_identical_and_nothing_left_behind(use_life):
    bb = tiny_vit(use_life)
    pristine = copy.deepcopy(bb)  # never sees a recorder
    sdpa = [layer.attn.scaled_dot_product_attention for layer in bb.layers]
    x = torch.randn(2, 3, 16, 16)
    want = pristine(x)[0]

    rec = AttentionRecorder(bb)
    assert not rec.active and rec.records == []
    assert torch.equal(bb(x)[0], want)
    before = snapshot(bb)  # after a forward (LIFE keeps the last token grid)
    assert rec.records == []  # constructed but not entered: nothing recorded
    with rec:
        assert rec.active
        assert torch.equal(bb(x)[0], want)  # recording computes outputs the same way
    assert len(rec.records) == 3
    assert not rec.active
    assert torch.equal(bb(x)[0], want)
    assert len(rec.records) == 3  # nothing recorded after exit
    assert snapshot(bb) == before
    assert all(layer.attn.scaled_dot_product_attention is f for layer, f in zip(bb.layers, sdpa))
    assert all(torch.equal(a, b) for a, b in zip(bb.state_dict().values(),
                                                  pristine.state_dict().values()))
    # re-entering clears the previous records
    with rec:
        bb(x)
    assert len(rec.records) == 3


def test_training_mode_with_attention_dropout():
    """In training the recorded probabilities are pre-dropout and the output is unchanged."""
    import mmlife.models  # noqa: F401
    from mmpretrain.models.utils import MultiheadAttention
    torch.manual_seed(0)
    attn = MultiheadAttention(8, 2, attn_drop=0.5).train()
    x = torch.randn(2, 5, 8)
    torch.manual_seed(1)
    want = attn(x)
    with AttentionRecorder(attn) as rec:
        torch.manual_seed(1)
        got = attn(x)
    assert torch.equal(got, want)
    torch.testing.assert_close(rec.attentions[0].sum(-1), torch.ones(2, 2, 5))


def test_torch_and_mmcv_multihead_attention_with_padding():
    from mmcv.cnn.bricks.transformer import MultiheadAttention
    torch.manual_seed(0)
    layers = nn.ModuleList(MultiheadAttention(8, 2, batch_first=True) for _ in range(2)).eval()
    pristine = copy.deepcopy(layers)
    before = snapshot(layers)
    x = torch.randn(2, 6, 8)
    pos = torch.randn(2, 6, 8)
    pad = torch.zeros(2, 6, dtype=torch.bool)
    pad[1, 4:] = True

    def run(model):
        y = x
        for layer in model:
            y = layer(y, query_pos=pos, key_padding_mask=pad)
        return y

    with AttentionRecorder(layers) as rec:
        got = run(layers)
    assert torch.equal(got, run(pristine))
    assert list(rec.modules.values()) == ['torch_mha', 'torch_mha']
    assert [r.name for r in rec.records] == ['0.attn', '1.attn']
    # reference for the first layer: explicit in-projection and softmax
    mha = layers[0].attn
    q_in = k_in = x + pos
    w_q, w_k, _ = mha.in_proj_weight.chunk(3)
    b_q, b_k, _ = mha.in_proj_bias.chunk(3)
    q = (q_in @ w_q.T + b_q).reshape(2, 6, 2, 4).transpose(1, 2)
    k = (k_in @ w_k.T + b_k).reshape(2, 6, 2, 4).transpose(1, 2)
    logits = (q @ k.transpose(-1, -2) / 2.0).masked_fill(pad[:, None, None], float('-inf'))
    torch.testing.assert_close(rec.attentions[0], logits.softmax(-1), rtol=1e-5, atol=1e-6)
    assert (rec.attentions[1][1, :, :, 4:] == 0).all()  # padded keys get no attention
    assert snapshot(layers) == before
    assert torch.equal(run(layers), run(pristine))


def test_swin_window_attention_is_recorded_as_windows():
    from mmpretrain.models.utils import WindowMSA
    torch.manual_seed(0)
    wmsa = WindowMSA(8, (2, 2), num_heads=2).eval()
    nn.init.normal_(wmsa.relative_position_bias_table, std=1.0)
    x = torch.randn(3, 4, 8)  # 3 windows of 2x2 tokens
    want = wmsa(x)
    with AttentionRecorder(wmsa) as rec:
        assert torch.equal(wmsa(x), want)
    assert rec.attentions == []  # windows are not rolled out
    (record, ) = rec.records
    assert record.kind == 'window' and record.probs.shape == (3, 2, 4, 4)
    qkv = wmsa.qkv(x).reshape(3, 4, 3, 2, 4).permute(2, 0, 3, 1, 4)
    bias = wmsa.relative_position_bias_table[wmsa.relative_position_index.view(-1)]
    bias = bias.view(4, 4, 2).permute(2, 0, 1)
    ref = (qkv[0] @ qkv[1].transpose(-1, -2) * 4**-0.5 + bias).softmax(-1)
    torch.testing.assert_close(record.probs, ref.detach())
    assert not wmsa.softmax._forward_hooks


def test_include_detach_and_errors():
    bb = tiny_vit(False)
    x = torch.randn(1, 3, 16, 16, requires_grad=True)
    with AttentionRecorder(bb, include=r'layers\.[02]\.') as rec:
        bb(x)
    assert [r.name for r in rec.records] == ['layers.0.attn', 'layers.2.attn']
    assert not rec.records[0].probs.requires_grad
    with AttentionRecorder(bb, include=lambda name, m: name == 'layers.1.attn',
                           detach=False) as rec:
        bb(x)
    (probs, ) = rec.attentions
    probs[0, 0, 0, 1].backward()
    assert x.grad is not None and x.grad.abs().sum() > 0

    with pytest.raises(ValueError, match='no supported attention module'):
        AttentionRecorder(nn.Linear(2, 2))
    with pytest.raises(ValueError, match='nn.Module'):
        AttentionRecorder('model')
    rec = AttentionRecorder(bb)
    with rec:
        with pytest.raises(RuntimeError, match='already active'):
            rec.__enter__()
    # an exception inside the context still removes every patch
    before = snapshot(bb)
    with pytest.raises(KeyError):
        with AttentionRecorder(bb):
            raise KeyError('boom')
    assert snapshot(bb) == before


def test_register_handler_for_a_custom_module():
    class MyAttention(nn.Module):
        """Computes its probabilities explicitly and exposes a hook point."""

        def __init__(self):
            super().__init__()
            self.on_probs = None

        def forward(self, x):
            p = (x @ x.transpose(-1, -2)).softmax(-1)[:, None]
            if self.on_probs is not None:
                self.on_probs(p)
            return p[:, 0] @ x

    def install(module, record):
        module.on_probs = lambda p: record(p, 'global')

        def undo():
            module.on_probs = None
        return undo

    register_attention_handler('my_attention', lambda m: isinstance(m, MyAttention), install)
    try:
        assert registered_handlers()[0] == 'my_attention'
        model = nn.Sequential(MyAttention(), MyAttention())
        x = torch.randn(2, 3, 4)
        with AttentionRecorder(model) as rec:
            model(x)
        assert [r.name for r in rec.records] == ['0', '1']
        assert model[0].on_probs is None
    finally:
        from mmlife.visualization import attention_recorder
        attention_recorder._HANDLERS = [h for h in attention_recorder._HANDLERS
                                        if h.name != 'my_attention']


@pytest.mark.parametrize('qkv_proj', ['none', 'linear', 'life'])
def test_detr_life_attention_functional_sdpa(qkv_proj):
    """mmlife's DETR attention calls F.scaled_dot_product_attention itself."""
    import torch.nn.functional as F

    from mmlife.det.models.layers import LIFEMultiheadAttention
    torch.manual_seed(0)
    attn = LIFEMultiheadAttention(12, 2, qkv_proj=qkv_proj).eval()
    pristine = copy.deepcopy(attn)
    sdpa = F.scaled_dot_product_attention
    x, pos = torch.randn(2, 6, 12), torch.randn(2, 6, 12)
    pad = torch.zeros(2, 6, dtype=torch.bool)
    pad[1, 3:] = True  # second image: the bottom row of its 2x3 grid is padding
    kwargs = dict(query_pos=pos, key_padding_mask=pad, hw_shape=(2, 3))
    want = pristine(x, **kwargs)
    with AttentionRecorder(attn) as rec:
        assert torch.equal(attn(x, **kwargs), want)
    assert F.scaled_dot_product_attention is sdpa and 'forward' not in attn.__dict__
    assert rec.modules == {'': 'functional_sdpa'}
    (probs, ) = rec.attentions
    q, k, _ = attn._project(x, x, x, (2, 3), pad)
    q = (q + pos).reshape(2, 6, 2, 6).transpose(1, 2)
    k = (k + pos).reshape(2, 6, 2, 6).transpose(1, 2)
    logits = (q @ k.transpose(-1, -2) / 6**0.5).masked_fill(pad[:, None, None], float('-inf'))
    torch.testing.assert_close(probs, logits.softmax(-1).detach(), rtol=1e-5, atol=1e-6)
    assert torch.equal(attn(x, **kwargs), want)


def test_t2t_life_encoder_with_custom_qk_scale():
    """T2T-ViT-LIFE's attentions use partial(F.sdpa, scale=...): the scale is honoured."""
    import mmlife.models  # noqa: F401
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(dict(type='LIFET2TViT', img_size=32, embed_dims=24, num_layers=2,
                              layer_cfgs=dict(num_heads=2, feedforward_channels=48,
                                              qk_scale=0.25),
                              t2t_cfg=dict(token_dims=8, soft_splits='small')))
    model.eval()
    inputs = []
    hook = model.encoder[1].attn.register_forward_pre_hook(lambda m, a: inputs.append(a[0]))
    with AttentionRecorder(model.encoder) as rec, torch.no_grad():
        model(torch.randn(2, 3, 32, 32))
    hook.remove()
    assert len(rec.attentions) == 2
    attn = model.encoder[1].attn
    t = inputs[0]
    B, N, _ = t.shape
    qkv = attn.qkv(t).reshape(B, N, 3, 2, 12).permute(2, 0, 3, 1, 4)
    ref = (qkv[0] @ qkv[1].transpose(-1, -2) * 0.25).softmax(-1)
    torch.testing.assert_close(rec.attentions[1], ref.detach(), rtol=1e-5, atol=1e-6)


def test_functional_sdpa_classes_are_registered_as_classes():
    """The recorder refers to classes (registered where they are defined), not class paths."""
    import torch.nn.functional as F

    from mmlife.det.models.layers import LIFEMultiheadAttention
    from mmlife.visualization import attention_recorder, register_functional_sdpa_class
    assert LIFEMultiheadAttention in attention_recorder._FUNCTIONAL_SDPA_CLASSES
    assert all(isinstance(c, type) for c in attention_recorder._FUNCTIONAL_SDPA_CLASSES)

    class MyAttention(torch.nn.Module):
        def forward(self, x):
            return F.scaled_dot_product_attention(x, x, x)

    class Sub(MyAttention):
        pass

    try:
        assert register_functional_sdpa_class(MyAttention) is MyAttention
        x = torch.randn(1, 2, 3, 4)
        with AttentionRecorder(Sub()) as rec:
            rec.root(x)
        assert rec.modules == {'': 'functional_sdpa'}
        torch.testing.assert_close(rec.attentions[0], (x @ x.transpose(-1, -2) / 2).softmax(-1))
    finally:
        attention_recorder._FUNCTIONAL_SDPA_CLASSES.remove(MyAttention)
    with pytest.raises(TypeError, match='nn.Module subclass'):
        register_functional_sdpa_class(
            'mmlife.det.models.layers.qkv_attention.LIFEMultiheadAttention')
