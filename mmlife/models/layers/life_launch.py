"""Launching the Triton kernels of the fast LIFE path: tile configurations, launch plans and a
direct launcher for cached compiled kernels.

Host time matters on this path: a LIFE forward + backward is 3 + 5 kernel launches (5 + 7 where
its conv launches are split, :func:`split_conv`), and a training step of a small ViT is bound by
the host, not the GPU. So everything that depends only on the shapes (constexpr values, launch
options, tile sizes, the grid) is computed once per shape and kept in :data:`_GEMM_CFG` /
:data:`_DW_CFG` (launch plans), and after the first launch of a specialisation
:class:`_Launcher` calls the compiled kernel directly instead of going through Triton's argument
specialisation. :func:`clear_caches` drops them all (after changing :func:`gemm_config` /
:func:`dw_config`, e.g. in a tile sweep).
"""
import contextlib
import os
from typing import Sequence

import torch

from . import life_impl

# Debug aid for tests: fill every buffer the kernels must write with NaN first, so that an
# element left unwritten shows up as NaN instead of stale memory.
POISON_OUTPUTS = False


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _cdiv(a: int, b: int) -> int:
    return (a + b - 1) // b


def gemm_config(K: int, N: int, KS: int, cd: torch.dtype) -> dict:
    """Tile sizes of ``life_gemm_kernel``: every output column of a row tile in one program.

    Chosen from the compiler's register/spill report for sm_90 (see
    ``docs/performance.md``): the float32 accumulator ``BM x BN`` takes 64 registers a thread
    with 16 warps for 128 x 256 (C = 192) or 64 x 512 (C = 384), and the conv prologue stays
    within 128 registers, without spills (at DETR's C = 256, widths 258 / 255, it spills:
    ``tools/dev/life_kernel_regs.py``). Its tap loads are not software-pipelined
    (``num_stages=1``): pipelining would stage every tap in shared memory. :func:`gemm` also
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
    """Tile sizes and loop order of ``dw_grad_kernel`` (145-158 registers a thread on sm_90,
    no spills, without a padding mask: ``tools/dev/life_kernel_regs.py``)."""
    return dict(BM=64, BC=min(32, max(16, _next_pow2(K))), num_warps=4, num_stages=1,
                TAP_OUTER=False)


#: the launch settings below that :func:`launch_settings` and the ``MMLIFE_LIFE_<NAME>``
#: environment variables can change, with their types
SETTINGS = dict(SPLIT_CONV=bool, SPLIT_CONV_MIN_K=int, DW_PROGRAMS_PER_SM=int)


def _kind(name: str) -> type:
    """The type of the launch setting ``name``; a ``ValueError`` for an unknown name."""
    kind = SETTINGS.get(name)
    if kind is None:
        raise ValueError(f'unknown launch setting {name!r}; known: {sorted(SETTINGS)}')
    return kind


def _need(kind: type) -> str:
    return 'a boolean (0, 1, true, false)' if kind is bool else 'an integer >= 1'


def _valid(kind: type, value) -> bool:
    """Whether ``value`` is a value of a setting of type ``kind`` (integers from 1)."""
    return type(value) is kind and (kind is not int or value >= 1)


def parse_setting(name: str, text: str):
    """The value of the launch setting ``name`` (:data:`SETTINGS`) written as ``text``
    (an environment variable, a command-line option): booleans as 0, 1, true or false,
    integers from 1.

    Raises:
        ValueError: for a name not in :data:`SETTINGS` or a text that is not such a value.
    """
    kind = _kind(name)
    word = text.strip().lower()
    if kind is bool:
        value = {'0': False, '1': True, 'false': False, 'true': True}.get(word)
    else:
        value = int(word) if word.isdigit() else None
    if not _valid(kind, value):
        raise ValueError(f'{name} needs {_need(kind)}, got {text!r}')
    return value


def _from_env(name: str, default, environ=os.environ):
    """The launch setting ``name`` from ``MMLIFE_LIFE_<name>`` in ``environ``, else ``default``."""
    text = environ.get(f'MMLIFE_LIFE_{name}')
    return default if text is None else parse_setting(name, text)


#: Split the conv launches of ``life_gemm_kernel`` over at least :data:`SPLIT_CONV_MIN_K`
#: channels in two: ``life_conv_kernel`` writes the conv (the fused launch's A tile) to a buffer
#: in the matmul dtype, then a plain launch multiplies it. ``MMLIFE_LIFE_SPLIT_CONV=0`` keeps
#: every conv one fused launch (a tuning/debugging knob).
SPLIT_CONV = _from_env('SPLIT_CONV', True)

#: The narrowest conv (channels ``K``) whose launches :data:`SPLIT_CONV` splits. On an H200 the
#: split pair takes less device time than the fused launch at every size of
#: ``tools/dev/life_kernel_sweep.py``, but it is two more launches a conv, and a small ViT's
#: training step is bound by the host: in whole models (``tools/analysis_tools/benchmark.py
#: --life-launch-alt``) the split was 11-18 % faster at DeiT-S's 384 channels and the fused
#: launch 5-8 % faster at DeiT-T's 192 (``docs/performance.md``). ``MMLIFE_LIFE_SPLIT_CONV_MIN_K=1``
#: splits every conv.
SPLIT_CONV_MIN_K = _from_env('SPLIT_CONV_MIN_K', 384)


def split_conv(K: int) -> bool:
    """Whether a conv launch over ``K`` channels is split in two (:data:`SPLIT_CONV`,
    :data:`SPLIT_CONV_MIN_K`)."""
    return SPLIT_CONV and K >= SPLIT_CONV_MIN_K


def conv_config(K: int, KS: int) -> dict:
    """Tile sizes of ``life_conv_kernel`` (the split conv launch)."""
    return dict(BM=64, BK=min(64, max(16, _next_pow2(K))), num_warps=4, num_stages=1)


#: ``dw_grad_kernel`` programs per streaming multiprocessor (all channel blocks together; see
#: :func:`dw_grad_programs`): the programs run in one wave only if this many fit on an SM
#: (145-197 registers a thread fit 2-3). 3 took 30-31 % less device time than 4 at the DeiT
#: sizes of ``tools/dev/life_kernel_sweep.py`` on an H200. ``MMLIFE_LIFE_DW_PROGRAMS_PER_SM``
#: overrides it (a tuning/debugging knob).
DW_PROGRAMS_PER_SM = _from_env('DW_PROGRAMS_PER_SM', 3)


@contextlib.contextmanager
def launch_settings(**values):
    """Within the block, the named module settings (:data:`SETTINGS`, e.g.
    ``launch_settings(SPLIT_CONV=False, DW_PROGRAMS_PER_SM=4)``) take these values; the old
    ones come back after it. They are read at every launch (no launch plan depends on them), so
    a benchmark can alternate settings step by step in one process.

    Raises:
        ValueError: for a name not in :data:`SETTINGS`, or a value of another type (or
            an integer setting below 1).
    """
    for name, value in values.items():
        kind = _kind(name)
        if not _valid(kind, value):
            raise ValueError(f'{name} must be {_need(kind)}, got {value!r}')
    old = {name: globals()[name] for name in values}
    globals().update(values)
    try:
        yield
    finally:
        globals().update(old)


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
    if life_impl.interpreting():  # the interpreter's bf16/fp16 dot is not reliable: use fp32
        return tl.float32
    return getattr(tl, {torch.float32: 'float32', torch.float16: 'float16',
                        torch.bfloat16: 'bfloat16'}[dtype])


def _precision(dtype) -> str:
    if dtype == torch.float32 and not life_impl.interpreting():
        return 'tf32' if torch.backends.cuda.matmul.allow_tf32 else 'ieee'
    return 'ieee'


def empty(shape, dtype, device):
    """``torch.empty``, filled with NaN when :data:`POISON_OUTPUTS` is set (tests)."""
    t = torch.empty(shape, dtype=dtype, device=device)
    if POISON_OUTPUTS:
        t.fill_(float('nan'))
    return t


# Addressing of a 2-D token-major operand: (tensor, row stride, part stride, part width, offset).
# Channel j sits at column offset + (j // part width) * part stride + j % part width.
_FLAT = 1 << 30


def plain(t):
    """A contiguous ``(rows, width)`` operand."""
    return (t, t.shape[-1], 0, _FLAT, 0)


def columns(t, offset):
    """A column block of a row-major 2-D tensor ``t``, starting at column ``offset``."""
    return (t, t.stride(0), 0, _FLAT, offset)


def slot(t, C, offset, d):
    """Scale slot of a ``[Q | K | V]`` buffer: channels ``[q_s | k_s | v_s]`` of share ``d``."""
    return (t, 3 * C, C, d, offset)


class _Launcher:
    """Launches one Triton kernel; after the first launch of a specialisation it calls the
    compiled kernel directly.

    Triton's own launch path (``kernel[grid](...)``) re-derives the specialisation key of every
    argument on every call; with the ~40 arguments here that cost about 0.25 ms of host time per
    launch on a slow host, which made host time the bottleneck of CPU-bound training steps.
    The key here covers everything Triton specialises on for these kernels: constexpr values
    and launch options (the ``plan``, computed once per shape), and each pointer's dtype,
    device and 16-byte alignment (every int argument is ``do_not_specialize``). Triton >= 3.3
    passes all parameters to the compiled launcher, as here. Any failure switches back to the
    normal path; ``MMLIFE_TRITON_DIRECT_LAUNCH=0`` turns the direct path off.
    """

    def __init__(self, name, num_pointers):
        self.name = name
        self.num_pointers = num_pointers  # the leading tensor arguments
        self.cache = {}

    def __call__(self, grid, args, plan):
        constexprs, values, options, plan_key = plan
        key = None
        direct = _DIRECT_LAUNCH.get('ok')
        if direct is None:
            direct = _direct_launch_enabled()
        if direct or _NO_OP:
            ts = args[:self.num_pointers]
            key = (plan_key, args[0].device.index, tuple([a.dtype for a in ts]),
                   tuple([a.data_ptr() % 16 == 0 for a in ts]))
            ck = self.cache.get(key)
            if _NO_OP:  # prepared like a real launch, but nothing runs
                _NO_OP[-1].append((self.name, grid, args, plan))
                return
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
        fn = getattr(life_impl.kernels(), self.name)
        ck = fn[grid](*args, **constexprs, **options)
        if key is not None and ck is not None and hasattr(ck, 'packed_metadata'):
            self.cache[key] = ck


_DIRECT_LAUNCH = {}
_NO_OP = []  # the record lists of the active no_op_launches contexts


@contextlib.contextmanager
def no_op_launches(record=None):
    """Within this context every kernel launch is prepared as usual (launch plan, cache key
    of the compiled kernel) but nothing runs; ``(kernel name, grid, args, plan)`` of each is
    appended to ``record`` (a new list if None; any object with ``append``, e.g. a bounded
    ``collections.deque`` for timing), which the context yields. For measuring the
    host time of the fast path and for inspecting its launches on a machine without a GPU
    (the output buffers stay unwritten)."""
    _NO_OP.append(record if record is not None else [])
    try:
        yield _NO_OP[-1]
    finally:
        _NO_OP.pop()


def _direct_launch_enabled() -> bool:
    if 'ok' not in _DIRECT_LAUNCH:
        ok = (os.environ.get('MMLIFE_TRITON_DIRECT_LAUNCH', '1') != '0'
              and not life_impl.interpreting())
        if ok:
            import triton
            ok = tuple(int(v) for v in triton.__version__.split('.')[:2]) >= (3, 3)
        _DIRECT_LAUNCH['ok'] = ok
    return _DIRECT_LAUNCH['ok']


_GEMM = _Launcher('life_gemm_kernel', 13)
_DW = _Launcher('dw_grad_kernel', 8)
_CONV = _Launcher('life_conv_kernel', 6)

# launch plans: shape key -> (constexprs dict, constexpr values in parameter order, options,
# key); the grid's row count is computed per call (the batch may change without recompiling)
_GEMM_CFG = {}
_DW_CFG = {}
_CONV_CFG = {}
_GEMM_PARAMS = ('K', 'N', 'SRC_RS', 'SRC_PS', 'SRC_D', 'SRC_OFF', 'G_RS', 'G_PS', 'G_D', 'G_OFF',
                'W_SK', 'W_SN', 'OUT_RS', 'OUT_PS', 'OUT_D', 'OUT_OFF', 'AST_RS', 'S0_N', 'S1_N',
                'KS', 'FLIP', 'HAS_CB', 'HAS_MASK', 'HAS_G', 'HAS_BIAS', 'STORE_A', 'DOT_DTYPE',
                'PRECISION', 'BM', 'BK', 'BN', 'COL_TILES')
_CONV_PARAMS = ('K', 'SRC_RS', 'SRC_PS', 'SRC_D', 'SRC_OFF', 'G_RS', 'G_PS', 'G_D', 'G_OFF',
                'DST_RS', 'KS', 'FLIP', 'HAS_CB', 'HAS_MASK', 'HAS_G', 'BM', 'BK')
_DW_PARAMS = ('K', 'PART_RS', 'Y_RS', 'Y_PS', 'Y_D', 'Y_OFF', 'KS', 'HAS_CB', 'HAS_MASK', 'BM',
              'BC', 'KKP', 'TAP_OUTER')


def clear_caches() -> None:
    """Forget every launch plan and cached compiled kernel (after changing the configs)."""
    for cache in (_GEMM_CFG, _DW_CFG, _CONV_CFG, _GEMM.cache, _DW.cache, _CONV.cache):
        cache.clear()


def _prologue_constexprs(src, g) -> dict:
    """The A tile's operand constexprs (``_a_tile``): the addressing of ``src`` and of the
    optional second tensor ``g`` (operand tuples without their tensor), and ``HAS_G``."""
    g_addr = g if g is not None else (0, 0, 1, 0)
    return dict(SRC_RS=src[0], SRC_PS=src[1], SRC_D=src[2], SRC_OFF=src[3], G_RS=g_addr[0],
                G_PS=g_addr[1], G_D=g_addr[2], G_OFF=g_addr[3], HAS_G=g is not None)


def _gemm_plan(key):
    (K, N, KS, FLIP, cd, prec, src, g, w_s, out, s0_n, s1_n, has_cb, has_mask, has_bias,
     ast_rs) = key
    cfg = dict(gemm_config(K, N, KS, cd))
    options = dict(num_warps=cfg.pop('num_warps'), num_stages=cfg.pop('num_stages'))
    if ast_rs is not None:
        # Never software-pipeline a loop whose A tile is also stored. With num_stages=2 Triton
        # (3.6, and still 3.8) gives a load that feeds the wgmma *and* another user (the
        # store) a single shared-memory buffer, yet keeps one wgmma in flight
        # (warp_group_dot_wait pendings=1): the prefetch of the next A tile overwrites the
        # tile that wgmma still reads (Triton PR 7110). On the H100 that corrupted the last
        # scale's input gradient, hence dx, at C = 384 under bf16 autocast. Checked on CPU by
        # test_compiled_kernels_have_no_wgmma_race_and_no_atomics.
        options['num_stages'] = 1
    constexprs = dict(
        K=K, N=N, **_prologue_constexprs(src, g), W_SK=w_s[0], W_SN=w_s[1],
        OUT_RS=out[0], OUT_PS=out[1], OUT_D=out[2], OUT_OFF=out[3],
        AST_RS=ast_rs if ast_rs is not None else 0, S0_N=s0_n, S1_N=s1_n,
        KS=KS, FLIP=FLIP, HAS_CB=has_cb, HAS_MASK=has_mask and KS > 1, HAS_BIAS=has_bias,
        STORE_A=ast_rs is not None, DOT_DTYPE=_dot_dtype(cd), PRECISION=prec,
        COL_TILES=cfg['BN'] < N, **cfg)
    values = tuple(constexprs[n] for n in _GEMM_PARAMS)
    return constexprs, values, options, ('gemm', ) + key


def gemm(src, K, w, transpose_w, N, out, geom, cd, bias=None, conv=None, g=None,
         store_a=None, side=()):
    """Launch ``life_gemm_kernel`` (see its docstring): ``out = prologue(src) @ W (+ bias)``.

    ``src``, ``g`` and ``out`` are operands as made by :func:`plain` / :func:`slot` /
    :func:`columns`; ``w`` is ``(N, K)`` if ``transpose_w`` else ``(K, N)``; ``conv`` is
    ``(KS, FLIP, conv weight, conv bias or None)``; ``store_a`` a ``(M, K)`` (row-strided)
    tensor that gets the A tile in the matmul dtype; ``side`` up to two ``(src, dst)`` weight
    pairs to convert to ``dst``'s dtype on the way. Where :func:`split_conv` says so, a conv
    launch is two: :func:`conv_a` into ``store_a`` (or a new buffer), then a plain launch.
    """
    M, NTOK, E, H, W, mask = geom
    KS, FLIP, cw, cb = conv if conv is not None else (1, False, None, None)
    if KS > 1 and split_conv(K):  # the conv into a buffer (store_a's, if given), then a matmul
        a = store_a if store_a is not None else empty((M, K), cd, out[0].device)
        conv_a(src, K, conv, g, a, geom)
        gemm((a, a.stride(0), 0, _FLAT, 0), K, w, transpose_w, N, out, geom, cd, bias=bias,
             side=side)
        return
    w_s = (w.stride(1), w.stride(0)) if transpose_w else (w.stride(0), w.stride(1))
    key = (K, N, KS, FLIP, cd, _precision(cd), src[1:], None if g is None else g[1:], w_s,
           out[1:], side[0][0].numel() if len(side) > 0 else 0,
           side[1][0].numel() if len(side) > 1 else 0, cb is not None, mask is not None,
           bias is not None, None if store_a is None else store_a.stride(0))
    plan = _GEMM_CFG.get(key)
    if plan is None:
        plan = _GEMM_CFG[key] = _gemm_plan(key)
    dummy = out[0]
    s0 = side[0] if len(side) > 0 else (dummy, dummy)
    s1 = side[1] if len(side) > 1 else (dummy, dummy)
    args = (src[0], g[0] if g is not None else dummy, cw if cw is not None else dummy,
            cb if cb is not None else dummy, mask if mask is not None else dummy, w,
            bias if bias is not None else dummy, out[0],
            store_a if store_a is not None else dummy, s0[0], s0[1], s1[0], s1[1],
            M, NTOK, E, H, W)
    _GEMM((_cdiv(M, plan[0]['BM']), _cdiv(N, plan[0]['BN'])), args, plan)


def _conv_plan(key):
    K, KS, FLIP, src, g, dst_rs, has_cb, has_mask = key
    cfg = dict(conv_config(K, KS))
    options = dict(num_warps=cfg.pop('num_warps'), num_stages=cfg.pop('num_stages'))
    constexprs = dict(K=K, **_prologue_constexprs(src, g), DST_RS=dst_rs, KS=KS, FLIP=FLIP,
                      HAS_CB=has_cb, HAS_MASK=has_mask, **cfg)
    values = tuple(constexprs[n] for n in _CONV_PARAMS)
    return constexprs, values, options, ('conv', ) + key


def conv_a(src, K, conv, g, dst, geom):
    """Launch ``life_conv_kernel``: ``dst`` (``(M, K)``, row-strided) gets the A tile that a
    fused ``gemm`` launch with the same ``src``, ``conv`` and ``g`` would multiply."""
    M, NTOK, E, H, W, mask = geom
    KS, FLIP, cw, cb = conv
    key = (K, KS, FLIP, src[1:], None if g is None else g[1:], dst.stride(0), cb is not None,
           mask is not None)
    plan = _CONV_CFG.get(key)
    if plan is None:
        plan = _CONV_CFG[key] = _conv_plan(key)
    args = (src[0], g[0] if g is not None else dst, cw, cb if cb is not None else dst,
            mask if mask is not None else dst, dst, M, NTOK, E, H, W)
    _CONV((_cdiv(M, plan[0]['BM']), _cdiv(K, plan[0]['BK'])), args, plan)


def dw_grad_programs(M: int, widths: Sequence[int], kernel_sizes: Sequence[int],
                     device) -> int:
    """Number of row-tile programs ``P`` of every ``dw_grad_kernel`` launch of one backward.

    One ``P`` for all convs of a LIFE, so that their partial sums share one ``(P, ...)``
    buffer and one reduction: about :data:`DW_PROGRAMS_PER_SM` programs an SM over the
    channel blocks of the widest conv. It depends only on the shapes and the device, never on
    timing, so the gradients are bitwise reproducible on a given device."""
    most = 1
    for K, KS in zip(widths, kernel_sizes):
        cfg = dw_config(K, KS)
        most = max(most, _cdiv(K, cfg['BC']))
    num_tiles = _cdiv(M, dw_config(widths[0], kernel_sizes[0])['BM'])
    return max(1, min(num_tiles, (DW_PROGRAMS_PER_SM * _num_sms(device)) // most))


def _dw_plan(key):
    K, KS, part_rs, y, has_cb, has_mask = key
    cfg = dw_config(K, KS)
    constexprs = dict(K=K, PART_RS=part_rs, Y_RS=y[0], Y_PS=y[1], Y_D=y[2], Y_OFF=y[3], KS=KS,
                      HAS_CB=has_cb, HAS_MASK=has_mask, BM=cfg['BM'], BC=cfg['BC'],
                      KKP=_next_pow2(KS * KS + 1), TAP_OUTER=cfg.get('TAP_OUTER', False))
    values = tuple(constexprs[n] for n in _DW_PARAMS)
    options = dict(num_warps=cfg['num_warps'], num_stages=cfg['num_stages'])
    return constexprs, values, options, ('dw', ) + key


def dw_grad(dz, y, K, KS, cw, cb, geom, z_out, part_w, part_b, progs):
    """Launch ``dw_grad_kernel``: ``z_out`` gets the recomputed conv output, row ``p`` of the
    float32 partial-sum views ``part_w`` ((progs, K * KS * KS) at row stride
    ``part_w.stride(0)``) and ``part_b`` ((progs, K), or None) the sums of program ``p``."""
    M, NTOK, E, H, W, mask = geom
    key = (K, KS, part_w.stride(0), y[1:], cb is not None, mask is not None)
    plan = _DW_CFG.get(key)
    if plan is None:
        plan = _DW_CFG[key] = _dw_plan(key)
    BM, BC = plan[0]['BM'], plan[0]['BC']
    num_tiles = _cdiv(M, BM)
    args = (dz, y[0], cw, cb if cb is not None else dz, mask if mask is not None else dz, z_out,
            part_w, part_b if part_b is not None else part_w, M, NTOK, E, H, W, num_tiles)
    _DW((progs, _cdiv(K, BC)), args, plan)


_MM_OUT_DTYPE = {}


def mm(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
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
