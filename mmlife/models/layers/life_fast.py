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

Which path runs is chosen per call by :func:`use_fast_path`: ``LIFE(..., impl=...)`` if given,
else the environment variable ``MMLIFE_LIFE_IMPL``, else ``'auto'``. ``'auto'`` takes this path
for CUDA tensors when Triton is importable (and not while TorchScript tracing or
``torch.compile`` traces the model); ``'reference'`` always takes the PyTorch path; ``'fast'``
takes this path or raises if it cannot.
"""
import os
from typing import Optional, Sequence

import torch

IMPLS = ('auto', 'reference', 'fast')
ENV_VAR = 'MMLIFE_LIFE_IMPL'

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
    if chosen == 'reference':
        return False
    why = fast_path_unavailable(x)
    if chosen == 'fast' and why is not None:
        raise RuntimeError(f"LIFE impl 'fast' was forced (impl= or ${ENV_VAR}), but {why}")
    return why is None


def _interpreting() -> bool:
    return os.environ.get('TRITON_INTERPRET', '0') == '1'


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def gemm_config(M: int, K: int, N: int, KS: int) -> dict:
    """Tile sizes of ``life_gemm_kernel``: every output column of a row tile in one program."""
    BN = max(16, _next_pow2(N))
    BM = max(16, min(64, 16384 // BN))
    return dict(BM=BM, BK=32 if K > 16 else 16, BN=BN, num_warps=8 if BM * BN >= 8192 else 4,
                num_stages=2)


def dw_config(M: int, K: int, KS: int) -> dict:
    """Tile sizes of ``dw_grad_kernel``."""
    return dict(BM=32, BC=min(64, max(16, _next_pow2(K))), num_warps=4)


_NUM_SMS = {}


def _num_sms(device) -> int:
    if device.type != 'cuda':
        return 8
    idx = device.index if device.index is not None else torch.cuda.current_device()
    if idx not in _NUM_SMS:
        _NUM_SMS[idx] = torch.cuda.get_device_properties(idx).multi_processor_count
    return _NUM_SMS[idx]


class _Grouped:
    """A 2-D view of a token-major tensor whose channel ``j`` sits at column
    ``(j // d) * part_stride + j % d`` of row stride ``rs`` (``d = width`` for a plain matrix)."""

    __slots__ = ('t', 'offset', 'rs', 'ps', 'd')

    def __init__(self, t, offset=0, rs=None, ps=0, d=None):
        self.t, self.offset = t, offset
        self.rs = t.shape[-1] if rs is None else rs
        self.ps = ps
        self.d = (1 << 30) if d is None else d

    @property
    def ptr(self):
        return self.t.view(-1)[self.offset:] if self.offset else self.t

    def args(self):
        return (self.ptr, self.rs, self.ps, self.d)


def _slot(buf: torch.Tensor, C: int, offset: int, d: int) -> _Grouped:
    """Scale slot of a ``[Q | K | V]`` buffer: channels ``[q_s | k_s | v_s]`` of share ``d``."""
    return _Grouped(buf, offset=offset, rs=3 * C, ps=C, d=d)


def _dot_dtype(dtype):
    import triton.language as tl
    if _interpreting():  # the interpreter's bf16/fp16 dot is not reliable; check logic in fp32
        return tl.float32
    return {torch.float32: tl.float32, torch.float16: tl.float16,
            torch.bfloat16: tl.bfloat16}[dtype]


def _precision(dtype) -> str:
    if dtype == torch.float32 and not _interpreting():
        return 'tf32' if torch.backends.cuda.matmul.allow_tf32 else 'ieee'
    return 'ieee'


def _empty(shape, dtype, device):
    t = torch.empty(shape, dtype=dtype, device=device)
    if POISON_OUTPUTS:
        t.fill_(float('nan'))
    return t


def _gemm(src: _Grouped, K: int, w: torch.Tensor, transpose_w: bool, N: int, out: _Grouped,
          geom, cd, bias=None, conv=None, g: Optional[_Grouped] = None, store_a=None,
          colsum=False):
    """Launch ``life_gemm_kernel``; returns the column-sum partials if asked for."""
    k = _kernels()
    M, NTOK, E, H, W, mask = geom
    KS, FLIP, cw, cb = conv if conv is not None else (1, False, None, None)
    cfg = gemm_config(M, K, N, KS)
    BM = cfg['BM']
    grid = (triton_cdiv(M, BM), )
    cs = _empty((grid[0], K), torch.float32, w.device) if colsum else None
    # B operand: forward y = A @ W.T (W is (N, K)); backward dA = dY @ W (W is (K, N))
    w_sk, w_sn = (w.stride(1), w.stride(0)) if transpose_w else (w.stride(0), w.stride(1))
    dummy = out.t
    k.life_gemm_kernel[grid](
        *src.args(), *(g.args() if g is not None else (dummy, 0, 0, 1)),
        cw if cw is not None else dummy, cb if cb is not None else dummy,
        mask if mask is not None else dummy,
        w, w_sk, w_sn, bias if bias is not None else dummy,
        *out.args(), store_a if store_a is not None else dummy, cs if cs is not None else dummy,
        M, K, N, NTOK, E, H, W,
        KS=KS, FLIP=FLIP, HAS_CB=cb is not None, HAS_MASK=mask is not None and KS > 1,
        HAS_G=g is not None, HAS_BIAS=bias is not None, STORE_A=store_a is not None,
        COLSUM=colsum, DOT_DTYPE=_dot_dtype(cd), PRECISION=_precision(cd),
        BM=BM, BK=cfg['BK'], BN=cfg['BN'], num_warps=cfg['num_warps'],
        num_stages=cfg['num_stages'])
    return cs


def _dw_grad(dz: torch.Tensor, y: _Grouped, K: int, KS: int, cw, cb, geom, z_out):
    k = _kernels()
    M, NTOK, E, H, W, mask = geom
    cfg = dw_config(M, K, KS)
    BM, BC = cfg['BM'], cfg['BC']
    num_tiles = triton_cdiv(M, BM)
    cblocks = triton_cdiv(K, BC)
    progs = max(1, min(num_tiles, (4 * _num_sms(dz.device)) // cblocks))
    KKP = _next_pow2(KS * KS + 1)
    part = _empty((progs, KKP, K), torch.float32, dz.device)
    k.dw_grad_kernel[(progs, cblocks)](
        dz, *y.args(), cw, cb if cb is not None else dz, mask if mask is not None else dz,
        z_out if z_out is not None else dz, part, M, K, NTOK, E, H, W, num_tiles,
        KS=KS, HAS_CB=cb is not None, HAS_MASK=mask is not None,
        STORE_Z=z_out is not None, BM=BM, BC=BC, KKP=KKP, num_warps=cfg['num_warps'])
    return part


def triton_cdiv(a: int, b: int) -> int:
    return (a + b - 1) // b


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
    """LIFE forward/backward on the fast path. Inputs after ``meta``: for every scale its
    point-wise weight and bias, then for every conv its depthwise weight and bias (None for a
    missing bias)."""

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
        with torch.autocast(device_type=x.device.type, enabled=False):
            x2 = x.reshape(M, C)
            if not x2.is_contiguous():
                x2 = x2.contiguous()
            wl = [w.to(cd) for w in pw_w]
            out = _empty((B, NTOK, 3 * C), cd, x.device)
            x_c = x2 if x2.dtype == cd else (_empty((M, C), cd, x.device) if need_grad else None)
            for s in range(S):
                dst = _slot(out, C, offsets[s], split[s])
                if s == 0:
                    _gemm(_Grouped(x2), C, wl[0], True, widths[0], dst, geom, cd, bias=pw_b[0],
                          store_a=x_c if x_c is not x2 else None)
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
                    cs = _gemm(g_s, widths[s], wl[s], False, dst.shape[1], _Grouped(dst), geom,
                               cd, store_a=dy, colsum=ctx.has_pw_bias[s])
                else:
                    conv = (kernel_sizes[s + 1], True, dw_w[s], None)
                    cs = _gemm(_Grouped(dz), widths[s], wl[s], False, dst.shape[1],
                               _Grouped(dst), geom, cd, conv=conv, g=g_s, store_a=dy,
                               colsum=ctx.has_pw_bias[s])
                if ctx.has_pw_bias[s]:
                    grads_pw[2 * s + 1] = cs.sum(0).to(pdt[2 * s + 1])
                if s > 0:
                    # conv of scale s: input y_{s-1} (slot s-1 of out), output gradient dst
                    ks = kernel_sizes[s]
                    z = _empty((M, widths[s - 1]), cd, dev)
                    part = _dw_grad(dst, _slot(out, C, offsets[s - 1], split[s - 1]),
                                    widths[s - 1], ks, dw_w[s - 1], dw_b[s - 1], geom, z)
                    part = part.sum(0)
                    kk = ks * ks
                    iw, ib = 2 * S + 2 * (s - 1), 2 * S + 2 * (s - 1) + 1
                    grads_dw[2 * (s - 1)] = part[:kk].t().reshape(
                        widths[s - 1], 1, ks, ks).to(pdt[iw])
                    if ctx.has_dw_bias[s - 1]:
                        grads_dw[2 * (s - 1) + 1] = part[kk].to(pdt[ib])
                    grads_pw[2 * s] = _mm(dy.t(), z, pdt[2 * s])
                    dz = dst
                else:
                    grads_pw[0] = _mm(dy.t(), x_c, pdt[0])
                    dx = dst
        dx = dx.view(B, NTOK, C) if ctx.needs_input_grad[0] else None
        return (dx, None, None, *grads_pw, *grads_dw)


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
