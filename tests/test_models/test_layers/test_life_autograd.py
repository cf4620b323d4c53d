"""LIFE under torch.compile (the custom ops of life_autograd), the launch plans and the
once-per-shape input checks.

CPU: the reference path compiles without a graph break; the custom ops pass
``torch.library.opcheck`` and the compiled fast path equals the eager one, both run by Triton's
interpreter. GPU (skipped without CUDA): the compiled fast path against the eager fast path, and a compiled
DeiT-T-LIFE (inductor, and CUDA graphs) against float64, as accurate as eager.
"""
import importlib.util
import os
import subprocess
import sys

import pytest
import torch

from mmlife.models import LIFE
from mmlife.models.layers import life_autograd, life_launch

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason='the fast LIFE path needs a CUDA GPU')
needs_triton = pytest.mark.skipif(importlib.util.find_spec('triton') is None,
                                  reason='Triton not installed')
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def _life_and_inputs(C=24, hw=(3, 4), E=1, B=2, device='cpu', impl='reference', seed=0):
    torch.manual_seed(seed)
    life = LIFE(C, impl=impl).to(device)
    with torch.no_grad():
        for p in life.parameters():
            p.normal_(0, 0.3)
    N = E + hw[0] * hw[1]
    x = torch.randn(B, N, C, device=device, requires_grad=True)
    mask = torch.rand(B, hw[0] * hw[1], device=device) < 0.3
    g = torch.randn(B, N, 3 * C, device=device)
    return life, x, mask, g


def _fwd_bwd(fn, life, x, g, mask):
    life.zero_grad(set_to_none=True)
    x.grad = None
    out = fn(x, mask)
    out.backward(g.to(out.dtype))
    return [out.detach(), x.grad] + [p.grad for p in life.parameters()]


def test_reference_path_compiles_without_graph_break():
    life, x, mask, g = _life_and_inputs()

    def f(x, mask):
        return life(x, (3, 4), 1, mask)

    explain = torch._dynamo.explain(f)(x, mask)
    assert explain.graph_break_count == 0, explain.break_reasons
    eager = _fwd_bwd(f, life, x, g, mask)
    compiled = _fwd_bwd(torch.compile(f, backend='aot_eager', fullgraph=True), life, x, g, mask)
    for a, b in zip(eager, compiled):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_input_checks_run_once_per_signature(monkeypatch):
    life, x, mask, _ = _life_and_inputs()
    calls = []
    real = LIFE._check_inputs
    monkeypatch.setattr(LIFE, '_check_inputs',
                        lambda self, *a: calls.append(1) or real(self, *a))
    a = life(x, (3, 4), 1, mask)
    b = life(x, (3, 4), 1, mask)
    assert len(calls) == 1 and torch.equal(a, b)
    life(x, (3, 4), 1)  # no mask: a new signature
    life(x[:1], (3, 4), 1, mask[:1])  # another batch size
    assert len(calls) == 3
    with pytest.raises(ValueError, match='got 13 tokens'):
        life(x, (4, 4), 1)  # a bad signature is still checked and still raises
    with pytest.raises(ValueError, match='key_padding_mask must be a bool'):
        life(x, (3, 4), 1, mask.float())


@needs_triton
def test_launch_plan_parameter_order_matches_the_kernels():
    from mmlife.models.layers import _life_triton as k
    for fn, names, n_runtime in ((k.life_gemm_kernel, life_launch._GEMM_PARAMS, 18),
                                 (k.life_conv_kernel, life_launch._CONV_PARAMS, 11),
                                 (k.dw_grad_kernel, life_launch._DW_PARAMS, 14)):
        assert tuple(fn.arg_names[n_runtime:]) == names
        assert all(fn.params[i].is_constexpr for i in range(n_runtime, len(fn.arg_names)))
        assert not any(fn.params[i].is_constexpr for i in range(n_runtime))


def test_dw_grad_programs_follow_the_programs_per_sm_knob(monkeypatch):
    # a CPU device counts as 4 SMs; C = 192 is 6 channel blocks of 32, M = 33,280 rows 520 tiles
    cpu = torch.device('cpu')
    monkeypatch.setattr(life_launch, 'DW_PROGRAMS_PER_SM', 4)
    assert life_launch.dw_grad_programs(33280, (192, 192), (3, 5), cpu) == 4 * 4 // 6
    monkeypatch.setattr(life_launch, 'DW_PROGRAMS_PER_SM', 12)
    assert life_launch.dw_grad_programs(33280, (192, 192), (3, 5), cpu) == 12 * 4 // 6
    # never more programs than row tiles, never fewer than one
    assert life_launch.dw_grad_programs(64, (192, ), (3, ), cpu) == 1
    monkeypatch.setattr(life_launch, 'DW_PROGRAMS_PER_SM', 1)
    assert life_launch.dw_grad_programs(33280, (192, ), (3, ), cpu) == 1


def test_launch_settings_default_and_environment_overrides():
    # the defaults chosen by the H200 kernel sweep, and the knobs that restore the old ones
    def setting(name, default, **env):
        return life_launch._from_env(name, default, {f'MMLIFE_LIFE_{k}': v for k, v in env.items()})

    assert setting('SPLIT_CONV', True) is True
    assert setting('SPLIT_CONV', True, SPLIT_CONV='0') is False
    assert setting('SPLIT_CONV', True, SPLIT_CONV='false', DW_PROGRAMS_PER_SM='4') is False
    assert setting('DW_PROGRAMS_PER_SM', 3, SPLIT_CONV='0', DW_PROGRAMS_PER_SM='4') == 4
    assert setting('SPLIT_CONV_MIN_K', 384, SPLIT_CONV_MIN_K='1') == 1
    for name, bad in (('DW_PROGRAMS_PER_SM', '0'), ('SPLIT_CONV_MIN_K', '-1')):
        with pytest.raises(ValueError, match=name):
            setting(name, 3, **{name: bad})
    # the module reads them at import: its defaults, and the environment in a fresh process
    code = ('from mmlife.models.layers import life_launch as L; '
            'print(L.SPLIT_CONV, L.DW_PROGRAMS_PER_SM, L.SPLIT_CONV_MIN_K)')
    env = {k: v for k, v in os.environ.items() if not k.startswith('MMLIFE_LIFE_')}
    if env == dict(os.environ):
        assert (life_launch.SPLIT_CONV, life_launch.DW_PROGRAMS_PER_SM,
                life_launch.SPLIT_CONV_MIN_K) == (True, 3, 384)
    env.update(MMLIFE_LIFE_SPLIT_CONV='0', MMLIFE_LIFE_DW_PROGRAMS_PER_SM='4',
               MMLIFE_LIFE_SPLIT_CONV_MIN_K='1')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ['False', '4', '1']


def test_split_conv_by_width(monkeypatch):
    # the default: fused below DeiT-S's 384 channels (DeiT-T's 192, DETR's 256), split from it
    monkeypatch.setattr(life_launch, 'SPLIT_CONV', True)
    monkeypatch.setattr(life_launch, 'SPLIT_CONV_MIN_K', 384)
    assert [life_launch.split_conv(K) for K in (48, 192, 255, 258, 383, 384, 768)] == [
        False, False, False, False, False, True, True]
    monkeypatch.setattr(life_launch, 'SPLIT_CONV_MIN_K', 1)
    assert life_launch.split_conv(3)
    monkeypatch.setattr(life_launch, 'SPLIT_CONV', False)
    assert not life_launch.split_conv(768)


def test_launch_settings_apply_within_the_block_only():
    # read at every launch: the same LIFE launches 5 kernels forward with the convs split and 3
    # fused, with no cache to clear in between (C = 12: split only from a width of at most 12)
    pytest.importorskip('triton')
    from mmlife.models.layers.life_autograd import life_fast_forward
    life, x = LIFE(12), torch.randn(1, 5, 12)

    def forward_launches():
        with life_launch.no_op_launches() as launches:
            life_fast_forward(life, x, (2, 2), 1, None)
        return len(launches)

    names = sorted(life_launch.SETTINGS)
    before = [getattr(life_launch, n) for n in names]
    with life_launch.launch_settings(SPLIT_CONV=True, SPLIT_CONV_MIN_K=12):
        assert forward_launches() == 5
        with life_launch.launch_settings(SPLIT_CONV=False, DW_PROGRAMS_PER_SM=7):
            assert forward_launches() == 3
            assert life_launch.DW_PROGRAMS_PER_SM == 7
        assert forward_launches() == 5
        with life_launch.launch_settings(SPLIT_CONV_MIN_K=13):
            assert forward_launches() == 3
    assert [getattr(life_launch, n) for n in names] == before
    with pytest.raises(ValueError, match='unknown launch setting'):
        with life_launch.launch_settings(SPLIT=False):
            pass
    for bad in (dict(SPLIT_CONV=0), dict(DW_PROGRAMS_PER_SM=0), dict(DW_PROGRAMS_PER_SM=2.0),
                dict(SPLIT_CONV_MIN_K=0)):
        with pytest.raises(ValueError, match='must be'):
            with life_launch.launch_settings(**bad):
                pass
    assert [getattr(life_launch, n) for n in names] == before


def test_unpack_grads_puts_every_gradient_in_its_place():
    # gradients of a two-conv LIFE: weight/bias per scale, then weight/bias per conv
    ks, split = (1, 3, 5), (2, 2, 2)
    grads_w = [torch.full((6, 6), float(s)) for s in range(3)]
    bias = torch.arange(18.)
    conv = torch.arange(6 * 9 + 6 + 6 * 25 + 6, dtype=torch.float32)
    out = life_autograd.unpack_grads(grads_w, bias, conv, ks, split,
                                     [torch.float32] * 3, [torch.float32] * 4)
    assert [t.shape for t in out] == [(6, 6), (6, ), (6, 6), (6, ), (6, 6), (6, ),
                                      (6, 1, 3, 3), (6, ), (6, 1, 5, 5), (6, )]
    assert torch.equal(out[3], torch.arange(6., 12.))
    assert torch.equal(out[6].flatten(), conv[:54]) and torch.equal(out[7], conv[54:60])
    assert torch.equal(out[9], conv[-6:])
    no_bias = life_autograd.unpack_grads(grads_w, None, conv[:54 + 150], ks, split,
                                         [None] * 3, [torch.bfloat16, None] * 2)
    assert no_bias[1] is None and no_bias[7] is None and no_bias[6].dtype == torch.bfloat16
    assert torch.equal(no_bias[8].flatten().float(), conv[54:204].bfloat16().float())


INTERPRETER_SCRIPT = r'''
import torch
from mmlife.models import LIFE
from mmlife.models.layers import life_autograd as A, life_launch
life_launch.POISON_OUTPUTS = True
torch.manual_seed(0)
for C, hw, E, bias, use_mask in [(12, (3, 4), 1, True, True), (9, (2, 3), 0, False, False)]:
    life = LIFE(C, impl='fast', bias=bias)
    N = E + hw[0] * hw[1]
    x = torch.randn(2, N, C, requires_grad=True)
    mask = (torch.rand(2, hw[0] * hw[1]) < 0.3) if use_mask else None
    g = torch.randn(2, N, 3 * C)

    def f(x, mask):
        return life(x, hw, E, mask)

    explain = torch._dynamo.explain(f)(x, mask)
    assert explain.graph_break_count == 0, explain.break_reasons
    assert 'mmlife.life_forward' in explain.graphs[0].code
    res = {}
    for name, fn in (('eager', f),
                     ('compiled', torch.compile(f, backend='aot_eager', fullgraph=True))):
        life.zero_grad(set_to_none=True)
        x.grad = None
        out = fn(x, mask)
        (out * g).sum().backward()
        res[name] = [out.detach(), x.grad] + [p.grad for p in life.parameters()]
    for a, b in zip(res['eager'], res['compiled']):
        assert torch.equal(a, b), (a - b).abs().max()
    if not bias:  # opcheck once (it runs the op many times); compiled vs eager covered above
        continue
    params = A._flat_params(life)
    groups = [[t for t in params[i::2][:n] if t is not None] for i, n in ((0, 3), (1, 3))] + [
        [t for t in params[6 + i::2] if t is not None] for i in (0, 1)]
    mask_u8 = None if mask is None else mask.view(torch.uint8)
    args = (x.detach().requires_grad_(), mask_u8, *groups, [1, 3, 5], list(life.split), *hw,
            E, torch.float32, True)
    torch.library.opcheck(torch.ops.mmlife.life_forward.default, args)
    out = torch.ops.mmlife.life_forward(*args)[0].detach()
    d = [[t.detach() for t in group] for group in groups]  # (no double backward)
    bargs = (g, x.detach().reshape(-1, C), out, mask_u8, d[0], d[2], d[3], [1, 3, 5],
             list(life.split), *hw, E, torch.float32, torch.float32, torch.float32, True, bias)
    torch.library.opcheck(torch.ops.mmlife.life_backward.default, bargs)
print('OK')
'''


@needs_triton
@pytest.mark.skipif(CUDA, reason='on a GPU the compiled kernels are tested instead')
def test_custom_ops_and_compiled_fast_path_in_triton_interpreter():
    """opcheck of both custom ops (schema, fake tensors, autograd registration, AOT dispatch),
    and the compiled fast path (no graph break, the custom op in the graph) bitwise equal to
    the eager fast path; the kernels run in Triton's CPU interpreter."""
    env = dict(os.environ, TRITON_INTERPRET='1', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, '-c', INTERPRETER_SCRIPT], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.strip().endswith('OK')


# ------------------------------------------------------------------------------------ GPU


def _close(got, ref, tol):
    for i, (a, b) in enumerate(zip(got, ref)):
        err = ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()
        assert err < tol, (i, err)


@needs_cuda
@pytest.mark.parametrize('amp', [False, True], ids=['fp32', 'bf16-autocast'])
def test_compiled_fast_path_matches_eager_fast_path(amp):
    life, x, mask, g = _life_and_inputs(C=192, hw=(8, 8), E=1, B=8, device='cuda',
                                        impl='fast')

    def f(x, mask):
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=amp):
            return life(x, (8, 8), 1, mask)

    explain = torch._dynamo.explain(f)(x, mask)
    assert explain.graph_break_count == 0, explain.break_reasons
    assert 'mmlife.life_forward' in explain.graphs[0].code
    eager = _fwd_bwd(f, life, x, g, mask)
    compiled_fn = torch.compile(f, fullgraph=True)
    for _ in range(2):
        compiled = _fwd_bwd(compiled_fn, life, x, g, mask)
    _close(compiled, eager, 1e-6)


def _rel_errs(got, ref):
    return [((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()
            for a, b in zip(got, ref)]


@needs_cuda
def test_compiled_backbone_with_cuda_graphs_is_as_accurate_as_eager():
    # DeiT-T-LIFE, bf16 autocast, forward + backward: eager, torch.compile (inductor) and
    # mode='reduce-overhead' (CUDA graphs), each against the same model in float64 on the
    # reference path. bf16 runs differ from each other by bf16 rounding (inductor fuses the ops
    # around LIFE differently), so the spec is the float64 one: compiling, and replaying CUDA
    # graphs, must not make any loss or gradient less accurate than eager bf16 is.
    from mmlife.models import LIFEVisionTransformer

    def build(impl):
        torch.manual_seed(0)
        return LIFEVisionTransformer(arch='deit-tiny', img_size=32, patch_size=4,
                                     drop_path_rate=0., life_cfg=dict(impl=impl)).cuda()

    model = build('fast')
    ref_model = build('reference').double()
    ref_model.load_state_dict(model.state_dict())
    imgs = torch.randn(16, 3, 32, 32, device='cuda')
    # a fixed random readout: the square of the final LayerNorm's output would have a mean of
    # almost exactly 1 whatever came before it, and gradients that are only rounding noise
    readout = torch.randn(16, 192, device='cuda')

    def grads(net, fn, x):
        net.zero_grad(set_to_none=True)
        loss = fn(x)
        loss.backward()
        return [loss.detach().clone()] + [p.grad.clone() for p in net.parameters()]

    def step(x):
        with torch.autocast('cuda', dtype=torch.bfloat16):
            return (model(x)[-1].float() * readout).mean()

    ref = grads(ref_model, lambda x: (ref_model(x)[-1] * readout.double()).mean(), imgs.double())
    errs = {'eager': _rel_errs(grads(model, step, imgs), ref)}
    for mode in ('default', 'reduce-overhead'):
        torch._dynamo.reset()
        compiled_step = torch.compile(step, mode=mode)
        for _ in range(3):  # the last of these replays the recorded graphs
            got = grads(model, compiled_step, imgs)
        errs[mode] = _rel_errs(got, ref)
    names = ['loss'] + [n for n, _ in model.named_parameters()]
    worst = {mode: max(zip(e, names)) for mode, e in errs.items()}
    print('worst relative error against float64:', worst)
    for mode in ('default', 'reduce-overhead'):
        for name, e_mode, e_eager in zip(names, errs[mode], errs['eager']):
            assert e_mode <= 2 * e_eager + 1e-3, (mode, name, e_mode, e_eager)
