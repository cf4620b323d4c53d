"""Fast CUDA path of :class:`mmlife.models.LIFE` (forward and backward), built on Triton.

The reference path in ``life.py`` runs LIFE as point-wise Linears and ``nn.Conv2d`` depthwise
convs on ``(B, C, H, W)`` maps, with a transpose, a split and a cat around every conv and a
final regroup into ``[Q | K | V]``. On small maps (8x8, 14x14) those layout shuffles and
cuDNN's depthwise backward cost more than the point-wise matmuls themselves. Here:

* each scale is **one kernel**: its depthwise conv is computed on the token-major tokens as the
  prologue of its point-wise matmul (an implicit-GEMM conv), and the epilogue writes the result
  straight into its slots of the ``[Q | K | V]`` output, which the next scale reads back from;
* the backward mirrors it: each scale's input gradient is one kernel whose prologue is the
  transposed conv of the gradient plus the gradient of the scale's output slots; a second
  kernel per conv gives the conv's weight/bias gradients and recomputes the conv output for
  the point-wise weight gradient, which is a cuBLAS matmul;
* only the bf16 input of the first matmul and the output itself are kept for backward: no
  more activation memory than ``nn.Linear(C, 3 * C)``.

Numerics follow autocast: under ``torch.autocast`` the matmul operands are in the autocast
dtype (like ``F.linear``), accumulation is float32, and the parameter gradients come back in
the parameters' dtype. Without autocast everything runs in the input dtype (float32 matmuls in
IEEE float32, or TF32 when ``torch.backends.cuda.matmul.allow_tf32`` is on, as ``F.linear``).

The fast path is deterministic: no kernel uses atomics (the conv weight/bias gradients are
per-program partial sums reduced in a fixed order), so two identical calls give bitwise equal
outputs and gradients on the same device, and it also runs under
``torch.use_deterministic_algorithms(True)`` (its cuBLAS matmuls then need
``CUBLAS_WORKSPACE_CONFIG``, as every cuBLAS matmul of PyTorch does).

Which path runs is chosen per call by :func:`use_fast_path`: ``LIFE(..., impl=...)`` if given,
else the environment variable ``MMLIFE_LIFE_IMPL``, else ``'auto'``. ``'auto'`` would take this
path for CUDA tensors when Triton is importable (and not while TorchScript tracing or
``torch.compile`` traces the model); :data:`AUTO_PICKS_FAST` is the switch that lets it.
``'reference'`` always takes the PyTorch path; ``'fast'`` takes this path or raises if it
cannot.
"""
import os
from typing import Optional, Sequence

import torch

IMPLS = ('auto', 'reference', 'fast')
ENV_VAR = 'MMLIFE_LIFE_IMPL'

# Whether 'auto' picks the kernels on CUDA. On since run 4 (docs/performance.md): on the H100
# every GPU test of tests/test_models/test_layers/test_life_fast.py passed (fp32 and bf16
# against float64, bitwise determinism), and the kernels are ahead of the reference path in
# every row of the benchmark (training, inference, peak memory; one training row only by
# noise). Set it to False (or MMLIFE_LIFE_IMPL=reference) to keep 'auto' on the PyTorch path.
AUTO_PICKS_FAST = True

# Debug aid for tests: fill every buffer the kernels must write with NaN first, so that an
# element left unwritten shows up as NaN instead of stale memory.
POISON_OUTPUTS = False

_triton_state = {}


def _kernels():
    """Import the Triton kernels once; returns the module or raises ImportError."""
    if 'module' not in _triton_state:
        try:
            from . import _life_triton
        except Exception as err:  # ImportError, or triton failing to initialise
            _triton_state['module'] = None
            _triton_state['error'] = f'{type(err).__name__}: {err}'
        else:
            _triton_state['module'] = _life_triton
    if _triton_state['module'] is None:
        raise ImportError('the fast LIFE path needs Triton: ' + _triton_state['error'])
    return _triton_state['module']


def resolve_impl(impl: Optional[str] = None) -> str:
    """The implementation asked for: ``impl`` if given, else ``$MMLIFE_LIFE_IMPL``, else auto."""
    chosen = impl if impl is not None else os.environ.get(ENV_VAR, 'auto')
    chosen = chosen.strip().lower()
    if chosen not in IMPLS:
        src = 'impl' if impl is not None else ENV_VAR
        raise ValueError(f'{src} must be one of {IMPLS}, got {chosen!r}')
    return chosen


def fast_path_unavailable(x: torch.Tensor) -> Optional[str]:
    """Why the fast path cannot run on ``x``, or None if it can."""
    if not x.is_cuda and not _interpreting():
        return f'it needs a CUDA tensor, got one on {x.device}'
    if x.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        return f'it supports float32/float16/bfloat16 inputs, got {x.dtype}'
    if torch.jit.is_scripting() or torch.jit.is_tracing():
        return 'TorchScript cannot script or trace Triton kernels'
    if torch.compiler.is_compiling():
        return 'under torch.compile the reference path is compiled instead'
    try:
        _kernels()
    except ImportError as err:
        return str(err)
    return None


def use_fast_path(impl: Optional[str], x: torch.Tensor) -> bool:
    """Whether LIFE should run on the fast path for input ``x`` (see the module docstring)."""
    chosen = resolve_impl(impl)
    if chosen == 'reference' or (chosen == 'auto' and not AUTO_PICKS_FAST):
        return False
    why = fast_path_unavailable(x)
    if chosen == 'fast' and why is not None:
        raise RuntimeError(f"LIFE impl 'fast' was forced (impl= or ${ENV_VAR}), but {why}")
    return why is None


def _interpreting() -> bool:
    return os.environ.get('TRITON_INTERPRET', '0') == '1'


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def gemm_config(K: int, N: int, KS: int, cd: torch.dtype) -> dict:
    """Tile sizes of ``life_gemm_kernel``: every output column of a row tile in one program.

    Chosen from the compiler's register/spill report for sm_90 (see
    ``docs/performance.md``): the float32 accumulator ``BM x BN`` takes 64 registers a thread
    with 16 warps for 128 x 256 (C = 192) or 64 x 512 (C = 384), and the conv prologue stays
    within 128 registers, without spills. Its tap loads are not software-pipelined
    (``num_stages=1``): pipelining would stage every tap in shared memory. ``_gemm`` also
    forces ``num_stages=1`` for launches that store their A tile (a Triton pipeliner race).
    """
    BN = max(16, _next_pow2(N))
    max_warps = int(os.environ.get('MMLIFE_LIFE_MAX_WARPS', 16))  # a tuning/debugging knob
    if cd == torch.float32:  # float32 operands: the IEEE dot needs more registers
        warps = min(16, max_warps)
        return dict(BM=min(128, max(16, 1024 * warps // BN)), BK=16, BN=BN, num_warps=warps,
                    num_stages=1)
    warps = min(16 if BN >= 256 else 8, max_warps)
    return dict(BM=min(128, max(16, 2048 * warps // BN)), BK=32 if K > 16 else 16, BN=BN,
                num_warps=warps, num_stages=1 if KS > 1 else 2)


def dw_config(K: int, KS: int) -> dict:
    """Tile sizes of ``dw_grad_kernel`` (152 registers, no spills, for a 5 x 5 conv)."""
    return dict(BM=64, BC=min(32, max(16, _next_pow2(K))), num_warps=4, num_stages=1)


_NUM_SMS = {}


def _num_sms(device) -> int:
    if device.type != 'cuda':
        return 4
    idx = device.index if device.index is not None else torch.cuda.current_device()
    if idx not in _NUM_SMS:
        _NUM_SMS[idx] = torch.cuda.get_device_properties(idx).multi_processor_count
    return _NUM_SMS[idx]


def _dot_dtype(dtype):
    import triton.language as tl
    if _interpreting():  # the interpreter's bf16/fp16 dot is not reliable; check logic in fp32
        return tl.float32
    return getattr(tl, {torch.float32: 'float32', torch.float16: 'float16',
                        torch.bfloat16: 'bfloat16'}[dtype])


def _precision(dtype) -> str:
    if dtype == torch.float32 and not _interpreting():
        return 'tf32' if torch.backends.cuda.matmul.allow_tf32 else 'ieee'
    return 'ieee'


def _empty(shape, dtype, device):
    t = torch.empty(shape, dtype=dtype, device=device)
    if POISON_OUTPUTS:
        t.fill_(float('nan'))
    return t


def _cdiv(a: int, b: int) -> int:
    return (a + b - 1) // b


# Addressing of a 2-D token-major operand: (tensor, row stride, part stride, part width, offset).
# Channel j sits at column offset + (j // part width) * part stride + j % part width.
_FLAT = 1 << 30


def _plain(t):
    return (t, t.shape[-1], 0, _FLAT, 0)


def _slot(t, C, offset, d):
    """Scale slot of a ``[Q | K | V]`` buffer: channels ``[q_s | k_s | v_s]`` of share ``d``."""
    return (t, 3 * C, C, d, offset)


class _Launcher:
    """Launches one Triton kernel; after the first launch of a specialisation it calls the
    compiled kernel directly.

    Triton's own launch path (``kernel[grid](...)``) re-derives the specialisation key of every
    argument on every call; with the ~40 arguments here that cost about 0.25 ms of host time per
    launch on the benchmark machine, which made host time the bottleneck of CPU-bound training
    steps. The key here covers everything Triton specialises on for these kernels: constexpr
    values, launch options, and each pointer's dtype, device and 16-byte alignment (every int
    argument is ``do_not_specialize``). Triton >= 3.3 passes all parameters to the compiled
    launcher, as here. Any failure switches back to the normal path;
    ``MMLIFE_TRITON_DIRECT_LAUNCH=0`` turns the direct path off.
    """

    def __init__(self, name):
        self.name = name
        self.cache = {}
        self.constexpr_names = None

    def __call__(self, grid, args, constexprs, options):
        fn = getattr(_kernels(), self.name)
        key = None
        if _direct_launch_enabled():
            if self.constexpr_names is None:  # the kernel's parameters after the run-time ones
                self.constexpr_names = tuple(fn.arg_names[len(args):])
            values = tuple(constexprs[n] for n in self.constexpr_names)
            key = (values, tuple(options.values()),
                   tuple((a.dtype, a.device.index, a.data_ptr() % 16 == 0)
                         if isinstance(a, torch.Tensor) else None for a in args))
            ck = self.cache.get(key)
            if ck is not None:
                try:
                    stream = torch._C._cuda_getCurrentRawStream(args[0].device.index)
                    ck.run(grid[0], grid[1] if len(grid) > 1 else 1, 1, stream, ck.function,
                           ck.packed_metadata, None, None, None, *args, *values)
                    return
                except Exception as err:  # noqa: BLE001  (fall back, once, to Triton's path)
                    _DIRECT_LAUNCH['ok'] = False
                    import warnings
                    warnings.warn(f'mmlife: direct Triton launch failed ({err!r}); using '
                                  'the normal launch path')
        ck = fn[grid](*args, **constexprs, **options)
        if key is not None and ck is not None and hasattr(ck, 'packed_metadata'):
            self.cache[key] = ck


_DIRECT_LAUNCH = {}


def _direct_launch_enabled() -> bool:
    if 'ok' not in _DIRECT_LAUNCH:
        ok = os.environ.get('MMLIFE_TRITON_DIRECT_LAUNCH', '1') != '0' and not _interpreting()
        if ok:
            import triton
            ok = tuple(int(v) for v in triton.__version__.split('.')[:2]) >= (3, 3)
        _DIRECT_LAUNCH['ok'] = ok
    return _DIRECT_LAUNCH['ok']


_GEMM = _Launcher('life_gemm_kernel')
_DW = _Launcher('dw_grad_kernel')


def _gemm(src, K, w, transpose_w, N, out, geom, cd, bias=None, conv=None, g=None,
          store_a=None, side=()):
    """Launch ``life_gemm_kernel`` (see its docstring)."""
    M, NTOK, E, H, W, mask = geom
    KS, FLIP, cw, cb = conv if conv is not None else (1, False, None, None)
    cfg = _GEMM_CFG.get((K, N, KS, cd))
    if cfg is None:
        cfg = _GEMM_CFG[(K, N, KS, cd)] = gemm_config(K, N, KS, cd)
    BM = cfg['BM']
    # B operand: forward y = A @ W.T (W is (N, K)); backward dA = dY @ W (W is (K, N))
    w_sk, w_sn = (w.stride(1), w.stride(0)) if transpose_w else (w.stride(0), w.stride(1))
    dummy = out[0]
    g = g if g is not None else (dummy, 0, 0, 1, 0)
    s0 = side[0] if len(side) > 0 else (dummy, dummy)
    s1 = side[1] if len(side) > 1 else (dummy, dummy)
    cfg = dict(cfg)
    options = dict(num_warps=cfg.pop('num_warps'), num_stages=cfg.pop('num_stages'))
    if store_a is not None:
        # Never software-pipeline a loop whose A tile is also stored. With num_stages=2 Triton
        # (3.6, and still 3.8) gives a load that feeds the wgmma *and* another user (the
        # store) a single shared-memory buffer, yet keeps one wgmma in flight
        # (warp_group_dot_wait pendings=1): the prefetch of the next A tile overwrites the
        # tile that wgmma still reads (Triton PR 7110). On the H100 (run 3) that corrupted the
        # last scale's input gradient, hence dx, at C = 384 under bf16 autocast. Checked on
        # CPU by test_compiled_kernels_have_no_wgmma_race_and_no_atomics.
        options['num_stages'] = 1
    args = (src[0], g[0], cw if cw is not None else dummy, cb if cb is not None else dummy,
            mask if mask is not None else dummy, w, bias if bias is not None else dummy, out[0],
            store_a if store_a is not None else dummy, s0[0], s0[1], s1[0], s1[1],
            M, NTOK, E, H, W)
    constexprs = dict(
        K=K, N=N, SRC_RS=src[1], SRC_PS=src[2], SRC_D=src[3], SRC_OFF=src[4],
        G_RS=g[1], G_PS=g[2], G_D=g[3], G_OFF=g[4], W_SK=w_sk, W_SN=w_sn,
        OUT_RS=out[1], OUT_PS=out[2], OUT_D=out[3], OUT_OFF=out[4],
        S0_N=s0[0].numel() if len(side) > 0 else 0, S1_N=s1[0].numel() if len(side) > 1 else 0,
        KS=KS, FLIP=FLIP, HAS_CB=cb is not None, HAS_MASK=mask is not None and KS > 1,
        HAS_G=g[0] is not dummy, HAS_BIAS=bias is not None, STORE_A=store_a is not None,
        DOT_DTYPE=_dot_dtype(cd), PRECISION=_precision(cd), **cfg)
    _GEMM((_cdiv(M, BM), ), args, constexprs, options)


_GEMM_CFG = {}


def dw_grad_programs(M: int, widths: Sequence[int], kernel_sizes: Sequence[int],
                     device) -> int:
    """Number of row-tile programs ``P`` of every ``dw_grad_kernel`` launch of one backward.

    One ``P`` for all convs of a LIFE, so that their partial sums share one ``(P, ...)``
    buffer and one reduction. It depends only on the shapes and the device, never on timing,
    so the gradients are bitwise reproducible on a given device."""
    most = 1
    for K, KS in zip(widths, kernel_sizes):
        cfg = dw_config(K, KS)
        most = max(most, _cdiv(K, cfg['BC']))
    num_tiles = _cdiv(M, dw_config(widths[0], kernel_sizes[0])['BM'])
    return max(1, min(num_tiles, (4 * _num_sms(device)) // most))


def _dw_grad(dz, y, K, KS, cw, cb, geom, z_out, part_w, part_b, progs):
    """Launch ``dw_grad_kernel``: ``z_out`` gets the recomputed conv output, row ``p`` of the
    float32 partial-sum views ``part_w`` ((progs, K * KS * KS) at row stride
    ``part_w.stride(0)``) and ``part_b`` ((progs, K), or None) the sums of program ``p``."""
    M, NTOK, E, H, W, mask = geom
    cfg = dw_config(K, KS)
    BM, BC = cfg['BM'], cfg['BC']
    num_tiles = _cdiv(M, BM)
    cblocks = _cdiv(K, BC)
    args = (dz, y[0], cw, cb if cb is not None else dz, mask if mask is not None else dz, z_out,
            part_w, part_b if part_b is not None else part_w, M, NTOK, E, H, W, num_tiles)
    constexprs = dict(K=K, PART_RS=part_w.stride(0), Y_RS=y[1], Y_PS=y[2], Y_D=y[3],
                      Y_OFF=y[4], KS=KS, HAS_CB=cb is not None, HAS_MASK=mask is not None,
                      BM=BM, BC=BC, KKP=_next_pow2(KS * KS + 1))
    _DW((progs, cblocks), args, constexprs,
        dict(num_warps=cfg['num_warps'], num_stages=cfg['num_stages']))


_MM_OUT_DTYPE = {}


def _mm(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``a @ b`` returned in ``dtype``, accumulating in float32 (cuBLAS writes float32 directly
    where this PyTorch supports ``out_dtype``)."""
    if a.dtype == dtype:
        return torch.mm(a, b)
    key = (a.device.type, a.dtype, dtype)
    if _MM_OUT_DTYPE.get(key, True) and dtype == torch.float32:
        try:
            out = torch.mm(a, b, out_dtype=dtype)
            _MM_OUT_DTYPE[key] = True
            return out
        except (TypeError, RuntimeError, NotImplementedError):
            _MM_OUT_DTYPE[key] = False
    return torch.mm(a, b).to(dtype)


class _LIFEFunction(torch.autograd.Function):
    """LIFE forward/backward on the fast path. ``params`` are, for every scale, its point-wise
    weight and bias, then for every conv its depthwise weight and bias (None for no bias)."""

    @staticmethod
    def forward(ctx, x, mask, meta, *params):
        kernel_sizes, split, H, W, E, cd = meta
        S = len(kernel_sizes)
        B, NTOK, C = x.shape
        M = B * NTOK
        pw_w, pw_b = params[0:2 * S:2], params[1:2 * S:2]
        dw_w, dw_b = params[2 * S::2], params[2 * S + 1::2]
        widths = [3 * d for d in split]
        offsets = [sum(split[:s]) for s in range(S)]
        geom = (M, NTOK, E, H, W, mask)
        need_grad = any(ctx.needs_input_grad)
        dev = x.device
        with torch.autocast(device_type=dev.type, enabled=False):
            x2 = x.reshape(M, C)
            if not x2.is_contiguous():
                x2 = x2.contiguous()
            # matmul-dtype copies of the point-wise weights of scales >= 1, written by the
            # first launch (scale 0 reads its weight as it is and converts in registers)
            wl = [pw_w[0]] + [w if w.dtype == cd else torch.empty_like(w, dtype=cd)
                              for w in pw_w[1:]]
            side = [(w, c) for w, c in zip(pw_w[1:], wl[1:]) if c is not w]
            out = _empty((B, NTOK, 3 * C), cd, dev)
            x_c = x2 if x2.dtype == cd else (_empty((M, C), cd, dev) if need_grad else None)
            for s in range(S):
                dst = _slot(out, C, offsets[s], split[s])
                if s == 0:
                    _gemm(_plain(x2), C, wl[0], True, widths[0], dst, geom, cd, bias=pw_b[0],
                          store_a=x_c if x_c is not x2 else None, side=side[:2])
                    for w, c in side[2:]:
                        c.copy_(w)
                else:
                    src = _slot(out, C, offsets[s - 1], split[s - 1])
                    conv = (kernel_sizes[s], False, dw_w[s - 1], dw_b[s - 1])
                    _gemm(src, widths[s - 1], wl[s], True, widths[s], dst, geom, cd,
                          bias=pw_b[s], conv=conv)
        ctx.meta = meta
        ctx.has_pw_bias = [b is not None for b in pw_b]
        ctx.has_dw_bias = [b is not None for b in dw_b]
        ctx.param_dtypes = [p.dtype if p is not None else None for p in params]
        ctx.x_dtype = x.dtype
        if need_grad:
            ctx.save_for_backward(x_c, out, mask, *wl, *dw_w,
                                  *[b for b in dw_b if b is not None])
        return out

    @staticmethod
    def backward(ctx, grad_out):
        kernel_sizes, split, H, W, E, cd = ctx.meta
        S = len(kernel_sizes)
        saved = ctx.saved_tensors
        x_c, out, mask = saved[:3]
        wl = saved[3:3 + S]
        dw_w = saved[3 + S:3 + S + (S - 1)]
        dw_b_it = iter(saved[3 + S + (S - 1):])
        dw_b = [next(dw_b_it) if h else None for h in ctx.has_dw_bias]
        B, NTOK, C3 = out.shape
        C = C3 // 3
        M = B * NTOK
        widths = [3 * d for d in split]
        offsets = [sum(split[:s]) for s in range(S)]
        geom = (M, NTOK, E, H, W, mask)
        dev = out.device
        pdt = ctx.param_dtypes
        # the conv weight/bias gradients: every dw_grad_kernel program writes its partial sums
        # to its row of one float32 (P, ...) buffer (per conv its weight (K, k*k) and bias
        # (K,)); one fixed-order sum over the rows at the end gives them all (no atomics)
        sizes = []
        for i in range(S - 1):
            sizes += [widths[i] * kernel_sizes[i + 1]**2, widths[i] if ctx.has_dw_bias[i] else 0]
        part_views, pos = [], 0
        if S > 1:
            progs = dw_grad_programs(M, widths[:-1], kernel_sizes[1:], dev)
            part = _empty((progs, sum(sizes)), torch.float32, dev)
            for n in sizes:
                part_views.append(part[:, pos:pos + n] if n else None)
                pos += n
        grads_pw = [None] * (2 * S)
        grads_dw = [None] * (2 * (S - 1))
        with torch.autocast(device_type=dev.type, enabled=False):
            g = grad_out if grad_out.dtype == cd else grad_out.to(cd)
            g = g.contiguous()
            dz = None  # gradient of the conv output of scale s + 1, (M, widths[s])
            dx = None
            for s in range(S - 1, -1, -1):
                g_s = _slot(g, C, offsets[s], split[s])
                dy = _empty((M, widths[s]), cd, dev)
                if s > 0:
                    dst = _empty((M, widths[s - 1]), cd, dev)
                else:
                    dst = _empty((M, C), ctx.x_dtype, dev)
                if s == S - 1:
                    _gemm(g_s, widths[s], wl[s], False, dst.shape[1], _plain(dst), geom, cd,
                          store_a=dy)
                else:
                    conv = (kernel_sizes[s + 1], True, dw_w[s], None)
                    _gemm(_plain(dz), widths[s], wl[s], False, dst.shape[1], _plain(dst), geom,
                          cd, conv=conv, g=g_s, store_a=dy)
                if ctx.has_pw_bias[s]:
                    grads_pw[2 * s + 1] = _cast(dy.sum(0, dtype=torch.float32), pdt[2 * s + 1])
                if s > 0:
                    # conv of scale s: input y_{s-1} (slot s-1 of out), output gradient dst
                    ks, i = kernel_sizes[s], s - 1
                    z = _empty((M, widths[i]), cd, dev)
                    _dw_grad(dst, _slot(out, C, offsets[i], split[i]), widths[i], ks,
                             dw_w[i], dw_b[i], geom, z, part_views[2 * i],
                             part_views[2 * i + 1], progs)
                    grads_pw[2 * s] = _mm(dy.t(), z, pdt[2 * s])
                    dz = dst
                else:
                    grads_pw[0] = _mm(dy.t(), x_c, pdt[0])
                    dx = dst
            if S > 1:
                flat = part.sum(0)  # fixed order: bitwise reproducible
                pos = 0
                for i in range(S - 1):
                    ks, nw, nb = kernel_sizes[i + 1], sizes[2 * i], sizes[2 * i + 1]
                    grads_dw[2 * i] = _cast(flat[pos:pos + nw].view(widths[i], 1, ks, ks),
                                            pdt[2 * S + 2 * i])
                    if nb:
                        grads_dw[2 * i + 1] = _cast(flat[pos + nw:pos + nw + nb],
                                                    pdt[2 * S + 2 * i + 1])
                    pos += nw + nb
        dx = dx.view(B, NTOK, C) if ctx.needs_input_grad[0] else None
        return (dx, None, None, *grads_pw, *grads_dw)


def _cast(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return t if t.dtype == dtype else t.to(dtype)


def _autocast_dtype(x: torch.Tensor) -> torch.dtype:
    dev = x.device.type
    if dev in ('cuda', 'cpu') and torch.is_autocast_enabled(dev):
        return torch.get_autocast_dtype(dev)
    return x.dtype


def life_fast_forward(life, x: torch.Tensor, hw_shape: Sequence[int], num_extra_tokens: int,
                      mask: Optional[torch.Tensor]) -> torch.Tensor:
    """LIFE's forward on the fast path; same contract as ``LIFE.forward`` after input checks.

    Args:
        life (LIFE): the module (its parameters are used as they are).
        x (Tensor): ``(B, E + H * W, C)`` tokens on a CUDA device.
        hw_shape: ``(H, W)``.
        num_extra_tokens (int): ``E``.
        mask (Tensor, optional): bool ``(B, H * W)``, True where a patch token is padding.
    """
    H, W = (int(v) for v in hw_shape)
    cd = _autocast_dtype(x)
    if cd not in (torch.float32, torch.float16, torch.bfloat16):
        cd = x.dtype
    params = []
    for pw in life.pointwise:
        params += [pw.weight, pw.bias]
    for dw in life.depthwise:
        params += [dw.weight, dw.bias]
    mask_u8 = None if mask is None else mask.reshape(x.shape[0], H * W).contiguous().view(
        torch.uint8)
    meta = (tuple(life.kernel_sizes), tuple(life.split), H, W, int(num_extra_tokens), cd)
    return _LIFEFunction.apply(x, mask_u8, meta, *params)
