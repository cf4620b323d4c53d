"""Fast LIFE path (Triton): same function as the reference path, outputs and gradients.

The GPU tests compare the fast path with the reference path computed in float64 (fresh random
inputs and parameters each case), by relative error ``||fast - ref|| / ||ref||``: float32 must
land far under 1e-3, bf16 autocast within the reference path's own bf16 error (both paths
round the same operands to bf16). Buffers are poisoned with NaN first, so an element a kernel
forgets to write fails the test. The CPU tests cover dispatch and, through Triton's
interpreter, the kernels' logic where Triton is installed.
"""
import importlib.util
import os
import subprocess
import sys

import pytest
import torch

from mmlife.models import LIFE
from mmlife.models.layers import life_compile, life_fast, life_impl, life_launch

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason='the fast LIFE path needs a CUDA GPU')


def make_life(C, kernel_sizes=(1, 3, 5), bias=True, seed=0, device='cuda'):
    torch.manual_seed(seed)
    life = LIFE(C, kernel_sizes=kernel_sizes, bias=bias)
    with torch.no_grad():  # non-trivial biases and conv weights, so that a missing term shows
        for p in life.parameters():
            p.normal_(0, 0.5 / max(1, p.shape[-1])**0.5 if p.dim() == 2 else 0.3)
    return life.to(device)


def run(life, impl, x, hw, E, mask, grad, dtype, amp):
    """Output and gradients (x, then every parameter) of ``life`` with ``impl``."""
    life = life.to(dtype)
    life.impl = impl
    life.zero_grad(set_to_none=True)
    xi = x.detach().to(dtype).requires_grad_()
    with torch.autocast('cuda', dtype=torch.bfloat16, enabled=amp):
        out = life(xi, hw, E, mask)
    out.backward(grad.to(out.dtype))
    return [out.detach().double(), xi.grad.double()] + [
        p.grad.double() for p in life.parameters()]


def rel_errors(got, ref):
    return [((a - b).norm() / b.norm().clamp_min(1e-30)).item() for a, b in zip(got, ref)]


def make_case(C, hw, E, B=3, use_mask=False, seed=0):
    g = torch.Generator(device='cuda').manual_seed(1000 + seed)
    N = E + hw[0] * hw[1]
    x = torch.randn(B, N, C, device='cuda', generator=g)
    grad = torch.randn(B, N, 3 * C, device='cuda', generator=g)
    mask = None
    if use_mask:
        mask = torch.rand(B, hw[0], hw[1], device='cuda', generator=g) < 0.3
        mask[0] = False  # one image without padding
    return x, grad, mask


CASES = [
    # C, kernel_sizes, hw, extra tokens, bias, mask
    (192, (1, 3, 5), (8, 8), 1, True, False),  # DeiT-T, 32 px / patch 4
    (192, (1, 3, 5), (14, 14), 1, True, False),  # DeiT-T, 224 px / patch 16
    (384, (1, 3, 5), (8, 8), 2, True, False),  # DeiT-S distilled
    (96, (1, 3, 5), (5, 7), 0, True, False),  # no extra tokens, non-square grid
    (96, (1, 3, 5), (1, 1), 2, False, False),  # a single patch, no bias
    (96, (1, 3, 5), (3, 9), 1, True, True),  # key_padding_mask
    (256, (1, 3, 5), (6, 11), 0, True, True),  # DETR width: uneven split (86, 85, 85)
    (48, (1, 3), (7, 5), 1, True, False),  # two scales
    (48, (1, ), (4, 4), 1, True, False),  # one scale: a plain Linear
    (48, (1, 3, 5, 7), (9, 9), 1, True, False),  # four scales
]


@needs_cuda
@pytest.mark.parametrize('case', CASES, ids=lambda c: f'C{c[0]}-k{c[1]}-{c[2]}-E{c[3]}'
                         f'{"-nobias" if not c[4] else ""}{"-mask" if c[5] else ""}')
def test_fast_matches_reference_fp32(case, monkeypatch):
    monkeypatch.setattr(life_launch, 'POISON_OUTPUTS', True)
    monkeypatch.setattr(torch.backends.cuda.matmul, 'allow_tf32', False)
    C, ks, hw, E, bias, use_mask = case
    life = make_life(C, ks, bias, seed=hash(case) % 1000)
    x, grad, mask = make_case(C, hw, E, use_mask=use_mask, seed=hash(case) % 997)
    ref = run(life, 'reference', x, hw, E, mask, grad, torch.float64, amp=False)
    got = run(life, 'fast', x, hw, E, mask, grad, torch.float32, amp=False)
    for name, t in zip(['out', 'dx'] + [n for n, _ in life.named_parameters()], got):
        assert torch.isfinite(t).all(), f'{name} has unwritten (NaN) or non-finite elements'
    errs = rel_errors(got, ref)
    assert max(errs) < 1e-5, errs


@needs_cuda
@pytest.mark.parametrize('case', [c for c in CASES if len(c[1]) == 3],
                         ids=lambda c: f'C{c[0]}-{c[2]}-E{c[3]}{"-mask" if c[5] else ""}')
def test_fast_matches_reference_bf16_autocast(case, monkeypatch):
    monkeypatch.setattr(life_launch, 'POISON_OUTPUTS', True)
    C, ks, hw, E, bias, use_mask = case
    life = make_life(C, ks, bias, seed=hash(case) % 1000 + 1)
    x, grad, mask = make_case(C, hw, E, use_mask=use_mask, seed=hash(case) % 997 + 1)
    exact = run(life, 'reference', x, hw, E, mask, grad, torch.float64, amp=False)
    ref_bf16 = run(life, 'reference', x, hw, E, mask, grad, torch.float32, amp=True)
    fast_bf16 = run(life, 'fast', x, hw, E, mask, grad, torch.float32, amp=True)
    ref_errs, fast_errs = rel_errors(ref_bf16, exact), rel_errors(fast_bf16, exact)
    for name, r, f in zip(['out', 'dx'] + [n for n, _ in life.named_parameters()], ref_errs,
                          fast_errs):
        assert f < 2e-2, (name, f)
        assert f <= 1.5 * r + 2e-3, f'{name}: fast {f:.2e} vs reference bf16 {r:.2e}'


@needs_cuda
def test_fast_output_dtype_and_grad_dtypes():
    life = make_life(96)
    x = torch.randn(2, 1 + 16, 96, device='cuda', requires_grad=True)
    with torch.autocast('cuda', dtype=torch.bfloat16):
        out = life(x, (4, 4), 1)
    assert out.dtype == torch.bfloat16 and out.shape == (2, 17, 288)
    out.float().sum().backward()
    assert x.grad.dtype == torch.float32
    assert all(p.grad.dtype == torch.float32 for p in life.parameters())


@needs_cuda
@pytest.mark.parametrize('C, hw, E, B, amp', [(192, (14, 14), 1, 8, True),
                                              (384, (8, 8), 2, 16, True),
                                              (192, (14, 14), 1, 8, False)],
                         ids=['C192-bf16', 'C384-bf16', 'C192-fp32'])
def test_fast_is_bitwise_deterministic(C, hw, E, B, amp):
    # no kernel uses atomics and every reduction has a fixed order: repeated runs on the same
    # input give bitwise equal outputs and gradients (a race, e.g. a shared-memory buffer
    # overwritten while a wgmma still reads it, would not)
    life = make_life(C)
    x, grad, mask = make_case(C, hw, E, B=B, use_mask=True)
    a = run(life, 'fast', x, hw, E, mask, grad, torch.float32, amp=amp)
    names = ['out', 'dx'] + [n for n, _ in life.named_parameters()]
    for _ in range(3):
        b = run(life, 'fast', x, hw, E, mask, grad, torch.float32, amp=amp)
        for name, u, v in zip(names, a, b):
            assert torch.equal(u, v), name


@pytest.fixture(params=['tap-outer', 'fused-conv', 'split-conv', 'col-tiles'])
def kernel_option(request, monkeypatch):
    """A fast-path launch setting other than the default, with the launch plans made afresh
    before and after: the conv-gradient kernel's other loop order (``TAP_OUTER``: one tap at a
    time over a program's row tiles), each conv one fused launch (``SPLIT_CONV`` off: the conv
    as the matmul's prologue), each conv split in two at every width (``SPLIT_CONV_MIN_K`` 1;
    by default only from 384 channels), or output columns in tiles of 64 (``COL_TILES``)."""
    if request.param == 'tap-outer':
        dw_config = life_launch.dw_config
        monkeypatch.setattr(life_launch, 'dw_config',
                            lambda K, KS: dict(dw_config(K, KS), TAP_OUTER=True))
    elif request.param == 'fused-conv':
        monkeypatch.setattr(life_launch, 'SPLIT_CONV', False)
    elif request.param == 'split-conv':
        monkeypatch.setattr(life_launch, 'SPLIT_CONV', True)
        monkeypatch.setattr(life_launch, 'SPLIT_CONV_MIN_K', 1)
    else:
        gemm_config = life_launch.gemm_config
        monkeypatch.setattr(life_launch, 'gemm_config',
                            lambda K, N, KS, cd: dict(gemm_config(K, N, KS, cd), BN=64))
    life_launch.clear_caches()
    yield request.param
    life_launch.clear_caches()


@needs_cuda
@pytest.mark.parametrize('case', [CASES[0], CASES[2], CASES[5], CASES[6]],
                         ids=lambda c: f'C{c[0]}-{c[2]}-E{c[3]}{"-mask" if c[5] else ""}')
def test_kernel_option_matches_reference(case, kernel_option, monkeypatch):
    test_fast_matches_reference_fp32(case, monkeypatch)
    test_fast_matches_reference_bf16_autocast(case, monkeypatch)


@needs_cuda
def test_kernel_option_is_bitwise_deterministic(kernel_option):
    test_fast_is_bitwise_deterministic(192, (14, 14), 1, 8, True)


@needs_cuda
def test_deterministic_mode_allows_fast(monkeypatch):
    # the fast path is deterministic, so torch.use_deterministic_algorithms(True) does not
    # change which path runs; its cuBLAS matmuls need CUBLAS_WORKSPACE_CONFIG like any other
    monkeypatch.delenv(life_fast.ENV_VAR, raising=False)
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    life = make_life(96)
    x, grad, mask = make_case(96, (3, 9), 1, use_mask=True)
    torch.use_deterministic_algorithms(True)
    try:
        assert life_fast.use_fast_path('fast', x)
        assert life_fast.use_fast_path(None, x) == life_fast.AUTO_PICKS_FAST
        a = run(life, 'fast', x, (3, 9), 1, mask, grad, torch.float32, amp=True)
        b = run(life, 'fast', x, (3, 9), 1, mask, grad, torch.float32, amp=True)
    finally:
        torch.use_deterministic_algorithms(False)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    ref = run(life, 'reference', x, (3, 9), 1, mask, grad, torch.float64, amp=False)
    assert max(rel_errors(a, ref)) < 2e-2


@needs_cuda
def test_auto_picks_fast_on_cuda(monkeypatch):
    calls = []
    real = life_fast.life_fast_forward
    monkeypatch.setattr('mmlife.models.layers.life.life_fast_forward',
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.delenv(life_fast.ENV_VAR, raising=False)
    life = make_life(48)
    x = torch.randn(1, 17, 48, device='cuda')
    monkeypatch.setattr(life_impl, 'AUTO_PICKS_FAST', False)  # the switch turned off
    life(x, (4, 4), 1)
    assert calls == []
    monkeypatch.setattr(life_impl, 'AUTO_PICKS_FAST', True)
    life(x, (4, 4), 1)
    assert calls == [1]
    monkeypatch.setenv(life_fast.ENV_VAR, 'reference')
    life(x, (4, 4), 1)
    assert calls == [1]
    life.impl = 'fast'  # the constructor argument wins over the environment
    life(x, (4, 4), 1)
    assert calls == [1, 1]


@needs_cuda
def test_backbone_fast_matches_reference():
    # DeiT-T with LIFE in every block, bf16 autocast: the fast path is as close to the float32
    # model as the reference path under the same autocast
    from mmlife.models import LIFEVisionTransformer
    torch.manual_seed(0)
    model = LIFEVisionTransformer(arch='deit-tiny', img_size=32, patch_size=4,
                                  drop_path_rate=0.).cuda()
    imgs = torch.randn(4, 3, 32, 32, device='cuda')
    outs = {}
    for impl, amp in (('reference', False), ('reference', True), ('fast', True)):
        for m in model.modules():
            if isinstance(m, LIFE):
                m.impl = impl
        model.zero_grad(set_to_none=True)
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=amp):
            y = model(imgs)[-1]
        y.float().pow(2).sum().backward()
        outs[(impl, amp)] = [y.double()] + [p.grad.double() for p in model.parameters()]
    exact = outs[('reference', False)]
    ref_errs = rel_errors(outs[('reference', True)], exact)
    fast_errs = rel_errors(outs[('fast', True)], exact)
    for name, r, f in zip(['out'] + [n for n, _ in model.named_parameters()], ref_errs,
                          fast_errs):
        assert f <= 2 * r + 5e-3, f'{name}: fast {f:.2e} vs reference bf16 {r:.2e}'


# ---------------------------------------------------------------- CPU: dispatch and switches


def test_impl_argument_is_validated():
    with pytest.raises(ValueError, match='impl must be one of'):
        LIFE(12, impl='triton')


def test_env_var_is_validated(monkeypatch):
    monkeypatch.setenv(life_fast.ENV_VAR, 'fastest')
    with pytest.raises(ValueError, match='MMLIFE_LIFE_IMPL must be one of'):
        LIFE(12)(torch.randn(1, 4, 12), (2, 2))


def test_auto_and_reference_use_pytorch_on_cpu(monkeypatch):
    monkeypatch.delenv(life_fast.ENV_VAR, raising=False)
    x = torch.randn(1, 1 + 4, 12)
    assert not life_fast.use_fast_path(None, x)
    assert not life_fast.use_fast_path('reference', x)
    monkeypatch.setenv(life_fast.ENV_VAR, 'auto')
    LIFE(12)(x, (2, 2), 1)  # runs on the reference path


def test_tokens_impl_never_takes_the_kernels(monkeypatch):
    monkeypatch.setenv(life_fast.ENV_VAR, 'Tokens')  # the variable is case-insensitive
    x = torch.randn(1, 1 + 4, 12)
    assert life_fast.resolve_impl() == 'tokens'
    assert not life_fast.use_fast_path(None, x)
    assert not life_fast.use_fast_path('tokens', x.cuda() if torch.cuda.is_available() else x)
    life, ref = LIFE(12), LIFE(12, impl='reference')
    ref.load_state_dict(life.state_dict())
    torch.testing.assert_close(life(x, (2, 2), 1), ref(x, (2, 2), 1))


@pytest.mark.skipif(os.environ.get('TRITON_INTERPRET') == '1', reason='interpreter runs on CPU')
def test_forcing_fast_on_cpu_raises(monkeypatch):
    monkeypatch.setenv(life_fast.ENV_VAR, 'fast')
    with pytest.raises(RuntimeError, match="impl 'fast' was forced.*CUDA tensor"):
        LIFE(12)(torch.randn(1, 5, 12), (2, 2), 1)
    monkeypatch.delenv(life_fast.ENV_VAR)
    with pytest.raises(RuntimeError, match="impl 'fast' was forced"):
        LIFE(12, impl='fast')(torch.randn(1, 5, 12), (2, 2), 1)


INTERPRETER_SCRIPT = r'''
import torch
from mmlife.models import LIFE
import mmlife.models.layers.life_launch as lf
lf.POISON_OUTPUTS = True
# 1 "SM": few conv-gradient programs, so that a program sums several row tiles
lf._num_sms = lambda device: 1
float32_config, dw_config = lf.gemm_config, lf.dw_config
worst = 0.0
for C, ks, hw, E, use_mask, cfg in [
        (12, (1, 3, 5), (3, 4), 1, False, 'fp32'), (8, (1, 3, 5), (4, 3), 2, True, 'fp32'),
        (40, (1, 3), (5, 6), 0, False, 'fp32'),
        # 3 row tiles of 64 rows and 2 channel blocks: 2 conv-gradient programs, one with 2 tiles
        (40, (1, 3, 5), (9, 8), 1, True, 'fp32'),
        # the tile sizes of the bf16 (GPU) configuration, operands still in float32
        (40, (1, 3, 5), (9, 8), 1, True, 'bf16'),
        # the conv-gradient kernel's other loop order (one tap at a time over the tiles)
        (12, (1, 3, 5), (3, 4), 1, False, 'fp32-tap'),
        (40, (1, 3, 5), (9, 8), 1, True, 'fp32-tap'),
        # conv launches split in two (the conv into a buffer, then a plain matmul)
        (12, (1, 3, 5), (3, 4), 1, False, 'fp32-split'),
        (40, (1, 3, 5), (9, 8), 1, True, 'fp32-split'),
        # output columns in tiles of 16 (widths 42 and 39: three column tiles a launch)
        (40, (1, 3, 5), (9, 8), 1, True, 'fp32-cols')]:
    lf.clear_caches()
    lf.SPLIT_CONV, lf.SPLIT_CONV_MIN_K = cfg == 'fp32-split', 1
    lf.gemm_config = float32_config if cfg != 'bf16' else (
        lambda K, N, KS, cd: float32_config(K, N, KS, torch.bfloat16))
    if cfg == 'fp32-cols':
        lf.gemm_config = lambda K, N, KS, cd: dict(float32_config(K, N, KS, cd), BN=16)
    lf.dw_config = dw_config if cfg != 'fp32-tap' else (
        lambda K, KS: dict(dw_config(K, KS), TAP_OUTER=True))
    torch.manual_seed(C)
    life = LIFE(C, kernel_sizes=ks).double()
    with torch.no_grad():
        for p in life.parameters():
            p.normal_(0, 0.3)
    x = torch.randn(2, E + hw[0] * hw[1], C, dtype=torch.float64)
    g = torch.randn(2, x.shape[1], 3 * C, dtype=torch.float64)
    mask = (torch.rand(2, hw[0] * hw[1]) < 0.3) if use_mask else None
    res = {}
    for impl, dt in (('reference', torch.float64), ('fast', torch.float32)):
        life.to(dt).zero_grad()
        life.impl = impl
        xi = x.to(dt).detach().requires_grad_()
        out = life(xi, hw, E, mask)
        (out * g.to(dt)).sum().backward()
        res[impl] = [out.detach(), xi.grad] + [p.grad for p in life.parameters()]
    for a, b in zip(res['fast'], res['reference']):
        assert not torch.isnan(a).any()
        worst = max(worst, ((a.double() - b).norm() / b.norm()).item())
print('WORST', worst)
'''


@pytest.mark.skipif(importlib.util.find_spec('triton') is None, reason='Triton not installed')
@pytest.mark.skipif(CUDA, reason='on a GPU the tests above run the compiled kernels')
def test_kernels_in_triton_interpreter():
    """The kernels' indexing, masks, extra tokens and gradients, run by Triton's CPU
    interpreter in float32 against the float64 reference path."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    env = dict(os.environ, TRITON_INTERPRET='1', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([repo, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, '-c', INTERPRETER_SCRIPT], env=env, cwd=repo,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    worst = float(proc.stdout.split('WORST')[-1])
    assert worst < 1e-5, worst


# ------------------------------------------- CPU: the kernels as compiled for sm_90 (no GPU)


needs_nvidia_backend = pytest.mark.skipif(
    not life_compile.backend_available() or os.environ.get('TRITON_INTERPRET') == '1',
    reason='needs Triton with its NVIDIA backend, not its interpreter (compiles only, no GPU)')


@needs_nvidia_backend
@pytest.mark.parametrize('C, amp, dtype, mask, tf32, variant',
                         [(384, True, torch.float32, False, False, ''),
                          (192, True, torch.float32, True, False, ''),
                          (96, False, torch.bfloat16, False, False, ''),
                          (96, False, torch.float32, True, True, ''),
                          (192, True, torch.float32, True, False, 'tap-outer'),
                          (192, True, torch.float32, True, False, 'split'),
                          (192, True, torch.float32, True, False, 'col-tiles')],
                         ids=['C384-autocast', 'C192-autocast-mask', 'C96-bf16-model',
                              'C96-tf32-mask', 'C192-autocast-mask-tap-outer',
                              'C192-autocast-mask-split', 'C192-autocast-mask-col-tiles'])
def test_compiled_kernels_have_no_wgmma_race_and_no_atomics(C, amp, dtype, mask, tf32, variant,
                                                           monkeypatch):
    """Compile every launch of a fast forward + backward for sm_90 (H100) and check the IR.

    * No wgmma is left in flight across loop iterations (``warp_group_dot_wait`` with
      ``pendings > 0``) while one of its operands sits in a *single* shared-memory buffer that
      the next iteration's prefetch overwrites. Triton's pipeliner produces exactly that for a
      ``num_stages=2`` loop whose A tile is also stored (``STORE_A``): the race behind the
      H100's bf16 input-gradient error at C = 384.
    * No atomics (``atom.``/``red.`` in the PTX): the fast path must be bitwise deterministic.
    """
    import re
    if tf32:  # as with torch.backends.cuda.matmul.allow_tf32 = True
        monkeypatch.setattr(life_launch, '_precision',
                            lambda dt: 'tf32' if dt == torch.float32 else 'ieee')
    if variant == 'tap-outer':  # the conv-gradient kernel's other loop order
        dw_config = life_launch.dw_config
        monkeypatch.setattr(life_launch, 'dw_config',
                            lambda K, KS: dict(dw_config(K, KS), TAP_OUTER=True))
    monkeypatch.setattr(life_launch, 'SPLIT_CONV', variant == 'split')
    monkeypatch.setattr(life_launch, 'SPLIT_CONV_MIN_K', 1)
    if variant == 'col-tiles':  # output columns in tiles of 128 (two a launch)
        gemm_config = life_launch.gemm_config
        monkeypatch.setattr(life_launch, 'gemm_config',
                            lambda K, N, KS, cd: dict(gemm_config(K, N, KS, cd), BN=128))
    calls = life_compile.record_launches(C, (8, 8), 2, amp, dtype, mask)
    assert all(c[2]['COL_TILES'] == (variant == 'col-tiles') for c in calls
               if c[0] == 'life_gemm_kernel')
    assert all(c[2]['TAP_OUTER'] == (variant == 'tap-outer') for c in calls
               if c[0] == 'dw_grad_kernel')
    if tf32:  # float32 operands on the tensor cores (wgmma) too
        assert any(c[2].get('PRECISION') == 'tf32' for c in calls)
    assert {c[0] for c in calls} == {'life_gemm_kernel', 'dw_grad_kernel'} | (
        {'life_conv_kernel'} if variant == 'split' else set())
    # split: no fused conv launch is left (KS > 1 only in the conv kernel)
    assert variant != 'split' or all(c[2]['KS'] == 1 for c in calls if c[0] == 'life_gemm_kernel')
    for name, args, constexprs, options in life_compile.distinct(calls):
        ck = life_compile.compile_launch(name, args, constexprs, options)
        ttgir, ptx = ck.asm['ttgir'], ck.asm['ptx']
        what = f'{name} KS={constexprs["KS"]} {options}'
        in_flight = [int(p) for p in re.findall(r'warp_group_dot_wait[^\n]*pendings = (\d+)',
                                                ttgir)]
        buffers = [int(n) for n in re.findall(r'local_alloc : \(\) -> !ttg\.memdesc<(\d+)x',
                                              ttgir)]
        assert not (max(in_flight, default=0) > 0 and min(buffers, default=2) < 2), (
            f'{what}: a wgmma stays in flight while an operand has a single buffer')
        assert not re.search(r'^\s*(@!?%p\d+\s+)?(atom|red)\.', ptx, re.M), f'{what}: atomics'


@needs_nvidia_backend
@pytest.mark.parametrize('C', [192, 384])
def test_default_tiles_do_not_spill_for_deit(C):
    """Every launch of a DeiT-T / DeiT-S LIFE's bf16-autocast forward + backward (no padding
    mask), compiled for sm_90 with the default tile configurations, fits in registers (ptxas
    reports no spill stores). With a padding mask, and at DETR's C = 256, some launches do spill
    (``tools/dev/life_kernel_regs.py``; ``docs/performance.md``)."""
    for name, args, constexprs, options in life_compile.distinct(life_compile.record_launches(
            C, (8, 8), 1, True, torch.float32, False)):
        ck = life_compile.compile_launch(name, args, constexprs, options)
        regs, spills = life_compile.ptxas_usage(ck.asm['ptx'])
        assert regs is not None and regs <= 255 and spills == 0, (name, constexprs['KS'], regs,
                                                                   spills)
