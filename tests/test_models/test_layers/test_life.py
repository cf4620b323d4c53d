"""LIFE core: layout, receptive fields, an independent reference, gradients, padding, bad input."""
import itertools

import pytest
import torch

from mmlife.models import LIFE
from mmlife.models.layers import split_channels


def reference_life(life, x, hw_shape, num_extra_tokens, mask=None):
    """LIFE written out with explicit loops over pixels and kernel taps (no conv, no reshape)."""
    H, W = hw_shape
    E = num_extra_tokens
    B, N, C = x.shape
    scales = []
    prev = None
    for s, k in enumerate(life.kernel_sizes):
        pw = life.pointwise[s]
        if s == 0:
            inp = x
        else:
            dw = life.depthwise[s - 1]
            pad = k // 2
            inp = prev.clone()  # extra tokens: unchanged
            for b, h, w in itertools.product(range(B), range(H), range(W)):
                acc = dw.bias.clone() if dw.bias is not None else torch.zeros_like(prev[0, 0])
                for i, j in itertools.product(range(k), range(k)):
                    hh, ww = h + i - pad, w + j - pad
                    if 0 <= hh < H and 0 <= ww < W:
                        if mask is not None and mask[b, hh * W + ww]:
                            continue  # padded pixels count as zeros
                        acc = acc + dw.weight[:, 0, i, j] * prev[b, E + hh * W + ww]
                inp[b, E + h * W + w] = acc
        out = inp @ pw.weight.T
        if pw.bias is not None:
            out = out + pw.bias
        scales.append(out)
        prev = out
    q, k, v = [], [], []
    for out, d in zip(scales, life.split):
        q.append(out[..., :d])
        k.append(out[..., d:2 * d])
        v.append(out[..., 2 * d:])
    return torch.cat(q + k + v, dim=-1)


def make_life(C=12, kernel_sizes=(1, 3, 5), bias=True, dtype=torch.float32, seed=0, impl=None):
    torch.manual_seed(seed)
    life = LIFE(C, kernel_sizes=kernel_sizes, bias=bias, impl=impl).to(dtype)
    with torch.no_grad():  # non-trivial biases, so that a missing bias shows
        for p in life.parameters():
            p.normal_(0, 0.3)
    return life


# the two PyTorch implementations: nn.Conv2d on (B, C, H, W) maps, and shifted sums on the
# token-major map (for torch.compile)
PYTORCH_IMPLS = ['reference', 'tokens']


@pytest.mark.parametrize('num_extra', [0, 1, 2])
@pytest.mark.parametrize('hw', [(3, 4), (4, 4), (5, 2)])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('impl', PYTORCH_IMPLS)
def test_matches_reference(num_extra, hw, bias, impl):
    life = make_life(bias=bias, impl=impl)
    x = torch.randn(2, num_extra + hw[0] * hw[1], 12)
    out = life(x, hw, num_extra)
    assert out.shape == (2, x.shape[1], 36)
    torch.testing.assert_close(out, reference_life(life, x, hw, num_extra), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('impl', PYTORCH_IMPLS)
def test_uneven_split_matches_reference(impl):
    # DETR-like width not divisible by 3 scales: shares (3, 3, 2) of each of Q, K, V
    life = make_life(C=8, impl=impl)
    assert life.split == (3, 3, 2) and split_channels(256, 3) == (86, 85, 85)
    x = torch.randn(1, 1 + 12, 8)
    out = life(x, (3, 4), 1)
    assert out.shape == (1, 13, 24)
    torch.testing.assert_close(out, reference_life(life, x, (3, 4), 1), rtol=1e-5, atol=1e-5)


def test_matches_linear_when_single_scale():
    # kernel_sizes=(1,) is exactly the plain QKV Linear
    life = make_life(C=6, kernel_sizes=(1, ))
    x = torch.randn(2, 5, 6)
    lin = life.pointwise[0]
    torch.testing.assert_close(life(x, (2, 2), 1), lin(x))


def _columns(life, scale):
    """Output columns of scale ``scale`` in Q, K and V."""
    C = life.embed_dims
    start = sum(life.split[:scale])
    cols = []
    for part in range(3):
        cols += list(range(part * C + start, part * C + start + life.split[scale]))
    return cols


@pytest.mark.parametrize('num_extra', [0, 1, 2])
def test_receptive_fields(num_extra):
    H, W = 9, 10
    life = make_life(C=6)
    x = torch.randn(1, num_extra + H * W, 6, requires_grad=True)
    out = life(x, (H, W), num_extra)
    radius = {0: 0, 1: 1, 2: 3}  # receptive fields 1, 3, 7
    for h, w in [(0, 0), (4, 5), (8, 9), (2, 7)]:
        token = num_extra + h * W + w
        for scale, r in radius.items():
            (grad, ) = torch.autograd.grad(
                out[0, token, _columns(life, scale)].sum(), x, retain_graph=True)
            touched = grad[0].abs().sum(-1) > 0
            assert not touched[:num_extra].any(), 'patch outputs must not see extra tokens'
            grid = touched[num_extra:].reshape(H, W)
            expect = torch.zeros(H, W, dtype=torch.bool)
            expect[max(h - r, 0):h + r + 1, max(w - r, 0):w + r + 1] = True
            assert torch.equal(grid, expect), (h, w, scale)
    for e in range(num_extra):
        (grad, ) = torch.autograd.grad(out[0, e].sum(), x, retain_graph=True)
        touched = grad[0].abs().sum(-1) > 0
        assert touched.nonzero().flatten().tolist() == [e], 'extra tokens see only themselves'


@pytest.mark.parametrize('num_extra', [1, 2])
def test_extra_tokens_use_every_scale(num_extra):
    """The official code's bug gave the cls token K = [k1, k1, k1]; ours uses k1, k2, k3."""
    life = make_life(C=12)
    x = torch.randn(2, num_extra + 16, 12)
    out = life(x, (4, 4), num_extra)
    d, C = life.split[0], 12
    k_parts = out[:, :num_extra, C:2 * C].split(life.split, dim=-1)
    assert not torch.allclose(k_parts[0], k_parts[1])
    assert not torch.allclose(k_parts[0], k_parts[2])
    # extra tokens go through the point-wise layers of every scale
    y = x[:, :num_extra]
    expect_k = []
    for s, pw in enumerate(life.pointwise):
        y = pw(y)
        expect_k.append(y[..., d:2 * d])
    torch.testing.assert_close(out[:, :num_extra, C:2 * C], torch.cat(expect_k, -1))


@pytest.mark.parametrize('impl', PYTORCH_IMPLS)
def test_gradcheck_float64(impl):
    life = make_life(C=6, dtype=torch.float64, impl=impl)
    x = torch.randn(2, 1 + 3 * 4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: life(t, (3, 4), 1), (x, ))
    mask = torch.zeros(2, 12, dtype=torch.bool)
    mask[1, 8:] = True
    assert torch.autograd.gradcheck(lambda t: life(t, (3, 4), 1, mask), (x, ))


@pytest.mark.parametrize('impl', PYTORCH_IMPLS)
def test_padding_mask_equals_unpadded_input(impl):
    """A padded image gives, on its valid tokens, what the unpadded image gives."""
    life = make_life(C=6, impl=impl)
    h, w, H, W = 3, 4, 5, 6
    valid = torch.randn(1, 1 + h * w, 6)
    padded = torch.randn(1, 1 + H * W, 6) * 100  # garbage in the padding
    grid = padded[:, 1:].reshape(1, H, W, 6)
    grid[:, :h, :w] = valid[:, 1:].reshape(1, h, w, 6)
    padded = torch.cat([valid[:, :1], grid.reshape(1, H * W, 6)], 1)
    mask = torch.ones(1, H, W, dtype=torch.bool)
    mask[:, :h, :w] = False
    out = life(padded, (H, W), 1, key_padding_mask=mask)
    expect = life(valid, (h, w), 1)
    out_valid = out[:, 1:].reshape(1, H, W, -1)[:, :h, :w].reshape(1, h * w, -1)
    torch.testing.assert_close(out_valid, expect[:, 1:], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out[:, :1], expect[:, :1])
    torch.testing.assert_close(out, reference_life(life, padded, (H, W), 1, mask.flatten(1)),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_tokens_impl_equals_reference_impl_with_its_gradients(dtype):
    """'tokens' against 'reference' (same weights): float64 gradients equal to rounding; under
    bf16 autocast the same output dtype and an error of the reference path's own order."""
    ref = make_life(C=12, dtype=torch.float64, impl='reference')
    tok = make_life(C=12, dtype=torch.float64, impl='tokens')
    x = torch.randn(2, 2 + 5 * 3, 12, dtype=torch.float64, requires_grad=True)
    mask = torch.zeros(2, 5, 3, dtype=torch.bool)
    mask[0, 3:] = True
    g = torch.randn(2, 2 + 5 * 3, 36, dtype=torch.float64)
    grads = {}
    for life in (ref, tok):
        out = life(x, (5, 3), 2, mask)
        grads[life.impl] = torch.autograd.grad(out, [x] + list(life.parameters()), g)
    for a, b in zip(grads['reference'], grads['tokens']):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
    exact = ref(x, (5, 3), 2, mask)
    errors = {}
    for life in (ref, tok):
        low = make_life(C=12, dtype=torch.float32, impl=life.impl)
        with torch.autocast('cpu', dtype=dtype, enabled=dtype != torch.float32):
            out = low(x.float(), (5, 3), 2, mask)
        assert out.dtype == dtype
        errors[life.impl] = ((out.double() - exact).norm() / exact.norm()).item()
    assert errors['tokens'] <= 1.5 * errors['reference'] + 1e-6, errors


def test_tokens_impl_compiles_to_the_eager_result():
    """torch.compile (inductor, one graph) of the 'tokens' path gives its eager output and
    gradients, with extra tokens and a padding mask."""
    life = make_life(C=12, impl='tokens')
    x = torch.randn(2, 1 + 4 * 4, 12, requires_grad=True)
    mask = torch.zeros(2, 16, dtype=torch.bool)
    mask[1, 12:] = True
    g = torch.randn(2, 17, 36)

    def fwd_bwd(fn):
        out = fn(x, (4, 4), 1, mask)
        return [out] + list(torch.autograd.grad(out, [x] + list(life.parameters()), g))

    torch._dynamo.reset()
    eager = fwd_bwd(life)
    compiled = fwd_bwd(torch.compile(life, fullgraph=True))
    for a, b in zip(eager, compiled):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_any_batch_and_non_square():
    life = make_life(C=6)
    for B, hw in [(1, (1, 1)), (3, (2, 7)), (5, (7, 2))]:
        assert life(torch.randn(B, 2 + hw[0] * hw[1], 6), hw, 2).shape == (B, 2 + hw[0] * hw[1],
                                                                             18)


def test_param_count():
    # scale 1 is the size of a C->C Linear, later scales add a depthwise conv each
    C = 192
    life = LIFE(C)
    linear = C * 3 * C + 3 * C
    extra = (9 + 25) * C + 2 * C  # depthwise weights and biases
    assert sum(p.numel() for p in life.parameters()) == linear + extra


@pytest.mark.parametrize('kwargs, match', [
    (dict(embed_dims=0), 'positive int'),
    (dict(embed_dims=6, kernel_sizes=(3, 5)), 'start with 1'),
    (dict(embed_dims=6, kernel_sizes=(1, 4)), 'odd'),
    (dict(embed_dims=2), 'too small'),
])
def test_bad_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LIFE(**kwargs)


def test_bad_inputs():
    life = make_life(C=6)
    with pytest.raises(ValueError, match='needs 1 \\+ 3\\*4 = 13'):
        life(torch.randn(1, 12, 6), (3, 4), 1)
    with pytest.raises(ValueError, match='built for 6 channels'):
        life(torch.randn(1, 13, 7), (3, 4), 1)
    with pytest.raises(ValueError, match='\\(B, N, C\\)'):
        life(torch.randn(13, 6), (3, 4), 1)
    with pytest.raises(ValueError, match='hw_shape'):
        life(torch.randn(1, 13, 6), (0, 4), 1)
    with pytest.raises(ValueError, match='bool'):
        life(torch.randn(1, 13, 6), (3, 4), 1, torch.zeros(1, 12))
    with pytest.raises(ValueError, match='key_padding_mask must be'):
        life(torch.randn(1, 13, 6), (3, 4), 1, torch.zeros(1, 13, dtype=torch.bool))


def test_numpy_integers_are_accepted_and_give_the_same_output():
    import numpy as np
    torch.manual_seed(0)
    life = LIFE(np.int64(6), kernel_sizes=(1, np.int32(3)))
    assert type(life.embed_dims) is int and life.kernel_sizes == (1, 3)
    x = torch.randn(2, 13, 6)
    expected = life(x, (3, 4), 1)
    got = life(x, (np.int64(3), np.int32(4)), np.int64(1))
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    torch.testing.assert_close(life(x, torch.Size([3, 4]), torch.tensor(1)), expected)


@pytest.mark.parametrize('args, match', [
    (((3.0, 4), 1), 'hw_shape must be an int.*float'),
    (((3, 4), 1.0), 'num_extra_tokens must be an int.*float'),
    (((3, 4), '1'), 'num_extra_tokens must be an int.*str'),
    (('34', 1), 'hw_shape must be a pair'),
    ((12, 1), 'hw_shape must be a pair'),
    (((3, 4), True), 'bool'),
])
def test_wrong_argument_types_are_type_errors(args, match):
    life = make_life(C=6)
    with pytest.raises(TypeError, match=match):
        life(torch.randn(1, 13, 6), *args)


def test_wrong_construction_types_are_type_errors():
    with pytest.raises(TypeError, match='embed_dims must be an int.*float'):
        LIFE(6.0)
    with pytest.raises(TypeError, match='kernel_sizes must be an int'):
        LIFE(6, kernel_sizes=(1, 3.0))
    with pytest.raises(TypeError, match='kernel_sizes must be a sequence'):
        LIFE(6, kernel_sizes='135')


def test_torchscript_is_refused_plainly_and_tracing_works():
    life = make_life(C=6).eval()
    with pytest.raises(NotImplementedError, match='torch.jit.script\\(LIFE\\) is not supported'):
        torch.jit.script(life)

    class Tokens(torch.nn.Module):  # tracing needs a module that takes tensors only
        def __init__(self):
            super().__init__()
            self.life = life

        def forward(self, t):
            return self.life(t, (3, 4), 1)

    x = torch.randn(1, 13, 6)
    with pytest.warns(torch.jit.TracerWarning):  # the shape checks become constants
        traced = torch.jit.trace(Tokens(), x)
    torch.testing.assert_close(traced(x), life(x, (3, 4), 1))
    with pytest.raises(NotImplementedError, match='not supported'):
        torch.jit.script(Tokens())  # LIFE inside a model
