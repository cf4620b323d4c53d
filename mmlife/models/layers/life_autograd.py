"""Forward and backward of the fast LIFE path, for eager autograd and for ``torch.compile``.

:func:`forward_impl` and :func:`backward_impl` launch the Triton kernels (through
:mod:`mmlife.models.layers.life_launch`); two wrappers give them to autograd:

* eager: :class:`_LIFEFunction`, a ``torch.autograd.Function`` (the least host time per call);
* ``torch.compile``: the custom ops ``mmlife::life_forward`` and ``mmlife::life_backward``
  (``torch.library.custom_op`` with fake implementations and ``register_autograd``), so that
  dynamo traces LIFE as one opaque op instead of falling back to the reference path, and
  AOTAutograd puts ``mmlife::life_backward`` into the backward graph. Both wrappers run the
  same kernels with the same numerics.

How the kernels compute LIFE: each scale is **one kernel**: its depthwise conv is computed on
the token-major tokens as the prologue of its point-wise matmul (an implicit-GEMM conv), and
the epilogue writes the result straight into its slots of the ``[Q | K | V]`` output, which the
next scale reads back from. The backward mirrors it: each scale's input gradient is one kernel
whose prologue is the transposed conv of the gradient plus the gradient of the scale's output
slots (its A tile, stored into the scale's column block of one buffer, gives the point-wise
weight gradient by a cuBLAS matmul and, for all scales at once, the bias gradients by one sum);
a second kernel per conv gives the conv's weight/bias gradients and recomputes the conv output
for the point-wise weight gradient. Only the matmul-dtype input of the first matmul and the
output itself are kept for backward: no more activation memory than ``nn.Linear(C, 3 * C)``.

Numerics follow autocast: under ``torch.autocast`` the matmul operands are in the autocast
dtype (like ``F.linear``), accumulation is float32, and the parameter gradients come back in
the parameters' dtype. Without autocast everything runs in the input dtype (float32 matmuls in
IEEE float32, or TF32 when ``torch.backends.cuda.matmul.allow_tf32`` is on, as ``F.linear``).
No kernel uses atomics (the conv weight/bias gradients are per-program partial sums reduced in
a fixed order): outputs and gradients are bitwise reproducible on a device.
"""
import contextlib
from typing import List, Optional, Sequence

import torch

from . import life_launch as L

Tensor = torch.Tensor


def _cast(t: Tensor, dtype: torch.dtype) -> Tensor:
    return t if t.dtype == dtype else t.to(dtype)


_NO_CONTEXT = contextlib.nullcontext()


def _no_autocast(device_type: str):
    """Autocast off (the kernels pick their dtypes themselves); free when it is off already."""
    if torch.is_autocast_enabled(device_type):
        return torch.autocast(device_type=device_type, enabled=False)
    return _NO_CONTEXT


def forward_impl(x, mask, pw_w, pw_b, dw_w, dw_b, kernel_sizes, split, H, W, E, cd,
                 need_grad):
    """Run the forward kernels. Returns ``(out, x_c, wl)``: the ``[Q | K | V]`` output in
    ``cd``, the input as the backward's matmul operand (``None`` when ``need_grad`` is False
    and ``x`` is not already in ``cd``) and every scale's point-wise weight in ``cd``."""
    S = len(kernel_sizes)
    B, NTOK, C = x.shape
    M = B * NTOK
    widths = [3 * d for d in split]
    geom = (M, NTOK, E, H, W, mask)
    dev = x.device
    with _no_autocast(dev.type):
        x2 = x.reshape(M, C)
        if not x2.is_contiguous():
            x2 = x2.contiguous()
        # matmul-dtype copies of the point-wise weights of scales >= 1, written by the first
        # launch (scale 0 reads its weight as it is and converts in registers)
        wl = [pw_w[0]] + [w if w.dtype == cd else torch.empty_like(w, dtype=cd)
                          for w in pw_w[1:]]
        side = [(w, c) for w, c in zip(pw_w[1:], wl[1:]) if c is not w]
        out = L.empty((B, NTOK, 3 * C), cd, dev)
        x_c = x2 if x2.dtype == cd else (L.empty((M, C), cd, dev) if need_grad else None)
        offset = 0
        for s in range(S):
            dst = L.slot(out, C, offset, split[s])
            if s == 0:
                L.gemm(L.plain(x2), C, wl[0], True, widths[0], dst, geom, cd, bias=pw_b[0],
                       store_a=x_c if x_c is not x2 else None, side=side[:2])
                for w, c in side[2:]:
                    c.copy_(w)
            else:
                src = L.slot(out, C, offset - split[s - 1], split[s - 1])
                conv = (kernel_sizes[s], False, dw_w[s - 1], dw_b[s - 1])
                L.gemm(src, widths[s - 1], wl[s], True, widths[s], dst, geom, cd,
                       bias=pw_b[s], conv=conv)
            offset += split[s]
    return out, x_c, wl


def backward_impl(grad_out, x_c, out, mask, wl, dw_w, dw_b, kernel_sizes, split, H, W, E, cd,
                  dx_dtype, pw_grad_dtype, need_dx, has_pw_bias):
    """Run the backward kernels. Returns ``(dx, grads_pw_w, bias_sums, conv_sums)``: ``dx``
    ``(B, N, C)`` in ``dx_dtype`` (None unless ``need_dx``), every scale's point-wise weight
    gradient in ``pw_grad_dtype``, the float32 column sums of all scales' output gradients
    (their bias gradients, None unless ``has_pw_bias``), and the float32 conv weight/bias
    gradients of all convs, flat (None for one scale); :func:`unpack_grads` splits them."""
    S = len(kernel_sizes)
    B, NTOK, C3 = out.shape
    C = C3 // 3
    M = B * NTOK
    widths = [3 * d for d in split]
    offsets = [sum(split[:s]) for s in range(S)]
    dy_offsets = [sum(widths[:s]) for s in range(S)]
    geom = (M, NTOK, E, H, W, mask)
    dev = out.device
    # the conv weight/bias gradients: every dw_grad_kernel program writes its partial sums to
    # its row of one float32 (P, ...) buffer (per conv its weight (K, k*k) and bias (K,)); one
    # fixed-order sum over the rows at the end gives them all (no atomics)
    has_dw_bias = [b is not None for b in dw_b]
    sizes = conv_grad_sizes(kernel_sizes, split, has_dw_bias)
    part_views, pos = [], 0
    if S > 1:
        progs = L.dw_grad_programs(M, widths[:-1], kernel_sizes[1:], dev)
        part = L.empty((progs, sum(sizes)), torch.float32, dev)
        for n in sizes:
            part_views.append(part[:, pos:pos + n] if n else None)
            pos += n
    grads_w = [None] * S
    with _no_autocast(dev.type):
        g = grad_out if grad_out.dtype == cd else grad_out.to(cd)
        g = g.contiguous()
        # every scale's output gradient (the A tile of its input-gradient kernel) in its
        # column block of one buffer: one sum gives all point-wise bias gradients
        dy_all = L.empty((M, sum(widths)), cd, dev)
        dz = None  # gradient of the conv output of scale s + 1, (M, widths[s])
        dx = None
        for s in range(S - 1, -1, -1):
            g_s = L.slot(g, C, offsets[s], split[s])
            dy = dy_all[:, dy_offsets[s]:dy_offsets[s] + widths[s]]
            if s > 0:
                dst = L.empty((M, widths[s - 1]), cd, dev)
            elif need_dx:
                dst = L.empty((M, C), dx_dtype, dev)
            else:  # the input needs no gradient, but dy still does: a throw-away matmul-dtype
                dst = L.empty((M, C), cd, dev)
            if s == S - 1:
                L.gemm(g_s, widths[s], wl[s], False, dst.shape[1], L.plain(dst), geom, cd,
                       store_a=dy)
            else:
                conv = (kernel_sizes[s + 1], True, dw_w[s], None)
                L.gemm(L.plain(dz), widths[s], wl[s], False, dst.shape[1], L.plain(dst), geom,
                       cd, conv=conv, g=g_s, store_a=dy)
            if s > 0:
                # conv of scale s: input y_{s-1} (slot s-1 of out), output gradient dst
                ks, i = kernel_sizes[s], s - 1
                z = L.empty((M, widths[i]), cd, dev)
                L.dw_grad(dst, L.slot(out, C, offsets[i], split[i]), widths[i], ks, dw_w[i],
                          dw_b[i], geom, z, part_views[2 * i], part_views[2 * i + 1], progs)
                grads_w[s] = L.mm(dy.t(), z, pw_grad_dtype)
                dz = dst
            else:
                grads_w[0] = L.mm(dy.t(), x_c, pw_grad_dtype)
                dx = dst.view(B, NTOK, C) if need_dx else None
        bias_sums = dy_all.sum(0, dtype=torch.float32) if has_pw_bias else None
        conv_sums = part.sum(0) if S > 1 else None  # fixed order: bitwise reproducible
    return dx, grads_w, bias_sums, conv_sums


def conv_grad_sizes(kernel_sizes, split, has_dw_bias) -> List[int]:
    """Sizes of the conv gradients in the flat buffer: weight, bias (0 if none) per conv."""
    sizes = []
    for i in range(len(kernel_sizes) - 1):
        K = 3 * split[i]
        sizes += [K * kernel_sizes[i + 1]**2, K if has_dw_bias[i] else 0]
    return sizes


def unpack_grads(grads_w, bias_sums, conv_sums, kernel_sizes, split, pw_b_dtypes,
                 dw_dtypes) -> list:
    """Per-parameter gradients in the order of the parameters (see :func:`_flat_params`):
    point-wise weight, bias per scale, then conv weight, bias per conv; None for no bias.
    ``pw_b_dtypes`` / ``dw_dtypes`` are the parameters' dtypes (None for a missing bias)."""
    S = len(kernel_sizes)
    widths = [3 * d for d in split]
    grads = []
    pos = 0
    for s in range(S):
        grads.append(grads_w[s])
        bdt = pw_b_dtypes[s]
        grads.append(None if bdt is None else _cast(bias_sums[pos:pos + widths[s]], bdt))
        pos += widths[s]
    pos = 0
    for i in range(S - 1):
        ks, K = kernel_sizes[i + 1], widths[i]
        wdt, bdt = dw_dtypes[2 * i], dw_dtypes[2 * i + 1]
        grads.append(_cast(conv_sums[pos:pos + K * ks * ks].view(K, 1, ks, ks), wdt))
        pos += K * ks * ks
        if bdt is not None:
            grads.append(_cast(conv_sums[pos:pos + K], bdt))
            pos += K
        else:
            grads.append(None)
    return grads


class _LIFEFunction(torch.autograd.Function):
    """The eager wrapper. ``params`` are, for every scale, its point-wise weight and bias, then
    for every conv its depthwise weight and bias (None for no bias)."""

    @staticmethod
    def forward(ctx, x, mask, meta, *params):
        kernel_sizes, split, H, W, E, cd = meta
        S = len(kernel_sizes)
        need_grad = any(ctx.needs_input_grad)
        dw_w, dw_b = params[2 * S::2], params[2 * S + 1::2]
        out, x_c, wl = forward_impl(x, mask, params[0:2 * S:2], params[1:2 * S:2], dw_w, dw_b,
                                    kernel_sizes, split, H, W, E, cd, need_grad)
        ctx.meta = meta
        ctx.dtypes = [p.dtype if p is not None else None for p in params]
        ctx.has_dw_bias = [b is not None for b in dw_b]
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
        dt = ctx.dtypes
        pw_b_dtypes = dt[1:2 * S:2]
        dx, grads_w, bias_sums, conv_sums = backward_impl(
            grad_out, x_c, out, mask, wl, dw_w, dw_b, kernel_sizes, split, H, W, E, cd,
            ctx.x_dtype, dt[0], ctx.needs_input_grad[0], pw_b_dtypes[0] is not None)
        grads_w = [_cast(gw, d) for gw, d in zip(grads_w, dt[0:2 * S:2])]
        grads = unpack_grads(grads_w, bias_sums, conv_sums, kernel_sizes, split, pw_b_dtypes,
                             dt[2 * S:])
        return (dx, None, None, *grads)


# ------------------------------------------------------------------ torch.compile: custom ops
# The parameters go in as four lists (point-wise weights and biases, conv weights and biases; a
# bias list is empty for a LIFE without biases): custom-op autograd needs lists of tensors, not
# lists with None in them.


def _or_none(ts: List[Tensor], n: int) -> list:
    return list(ts) if ts else [None] * n


@torch.library.custom_op('mmlife::life_forward', mutates_args=())
def life_forward_op(x: Tensor, mask: Optional[Tensor], weights: List[Tensor],
                    biases: List[Tensor], conv_weights: List[Tensor], conv_biases: List[Tensor],
                    kernel_sizes: List[int], split: List[int], H: int, W: int, E: int,
                    cd: torch.dtype, need_grad: bool) -> List[Tensor]:
    """LIFE's forward kernels as a custom op: ``[out, x_c, w_1, ..., w_{S-1}]``, where
    ``x_c`` (the input as the backward's matmul operand) and the matmul-dtype point-wise
    weights ``w_s`` are empty where the input / parameter already is that tensor."""
    S = len(kernel_sizes)
    out, x_c, wl = forward_impl(x, mask, weights, _or_none(biases, S), conv_weights,
                                _or_none(conv_biases, S - 1), kernel_sizes, split, H, W, E, cd,
                                need_grad)
    # outputs must not alias inputs or each other: fresh empty tensors where nothing is new
    x_out = x.new_empty(0, dtype=cd) if x_c is None or x.dtype == cd else x_c
    return [out, x_out] + [x.new_empty(0, dtype=cd) if w is p else w
                           for w, p in zip(wl[1:], weights[1:])]


@life_forward_op.register_fake
def _(x, mask, weights, biases, conv_weights, conv_biases, kernel_sizes, split, H, W, E, cd,
      need_grad):
    B, N, C = x.shape
    x_out = x.new_empty((B * N, C) if need_grad and x.dtype != cd else (0, ), dtype=cd)
    return [x.new_empty((B, N, 3 * C), dtype=cd), x_out] + [
        x.new_empty(0, dtype=cd) if w.dtype == cd else torch.empty_like(w, dtype=cd)
        for w in weights[1:]]


@torch.library.custom_op('mmlife::life_backward', mutates_args=())
def life_backward_op(grad_out: Tensor, x_c: Tensor, out: Tensor, mask: Optional[Tensor],
                     wl: List[Tensor], conv_weights: List[Tensor], conv_biases: List[Tensor],
                     kernel_sizes: List[int], split: List[int], H: int, W: int, E: int,
                     cd: torch.dtype, dx_dtype: torch.dtype, pw_grad_dtype: torch.dtype,
                     need_dx: bool, has_pw_bias: bool) -> List[Tensor]:
    """LIFE's backward kernels as a custom op: ``[dx, dW_1, ..., dW_S, bias_sums,
    conv_sums]`` (see :func:`backward_impl`; empty tensors for what is not computed)."""
    dx, grads_w, bias_sums, conv_sums = backward_impl(
        grad_out, x_c, out, mask, wl, conv_weights,
        _or_none(conv_biases, len(kernel_sizes) - 1), kernel_sizes, split, H, W, E, cd,
        dx_dtype, pw_grad_dtype, need_dx, has_pw_bias)
    f32 = torch.float32
    return [dx if dx is not None else out.new_empty(0, dtype=dx_dtype), *grads_w,
            bias_sums if bias_sums is not None else out.new_empty(0, dtype=f32),
            conv_sums if conv_sums is not None else out.new_empty(0, dtype=f32)]


@life_backward_op.register_fake
def _(grad_out, x_c, out, mask, wl, conv_weights, conv_biases, kernel_sizes, split, H, W, E,
      cd, dx_dtype, pw_grad_dtype, need_dx, has_pw_bias):
    B, N, C3 = out.shape
    C = C3 // 3
    widths = [3 * d for d in split]
    in_dims = [C] + widths[:-1]
    n_conv = sum(conv_grad_sizes(kernel_sizes, split, [bool(conv_biases)] * len(conv_weights)))
    f32 = torch.float32
    return [out.new_empty((B, N, C) if need_dx else (0, ), dtype=dx_dtype)] + [
        out.new_empty((w, i), dtype=pw_grad_dtype) for w, i in zip(widths, in_dims)] + [
            out.new_empty((sum(widths) if has_pw_bias else 0, ), dtype=f32),
            out.new_empty((n_conv if len(kernel_sizes) > 1 else 0, ), dtype=f32)]


def _setup_context(ctx, inputs, output):
    (x, mask, weights, biases, conv_weights, conv_biases, kernel_sizes, split, H, W, E, cd,
     need_grad) = inputs
    out, x_out = output[0], output[1]
    wl = [weights[0]] + [w if w.numel() else p for w, p in zip(output[2:], weights[1:])]
    x_c = x_out if x.dtype != cd else x
    ctx.meta = (list(kernel_sizes), list(split), H, W, E, cd)
    ctx.dtypes = ([w.dtype for w in weights], [b.dtype for b in biases],
                  [w.dtype for w in conv_weights], [b.dtype for b in conv_biases])
    ctx.x_dtype = x.dtype
    ctx.save_for_backward(x_c, out, mask, *wl, *conv_weights, *conv_biases)


def _backward(ctx, grads):
    kernel_sizes, split, H, W, E, cd = ctx.meta
    S = len(kernel_sizes)
    w_dt, b_dt, cw_dt, cb_dt = ctx.dtypes
    saved = ctx.saved_tensors
    x_c, out, mask = saved[:3]
    wl = list(saved[3:3 + S])
    conv_weights = list(saved[3 + S:3 + S + (S - 1)])
    conv_biases = list(saved[3 + S + (S - 1):])
    res = life_backward_op(grads[0], x_c.reshape(-1, x_c.shape[-1]), out, mask, wl,
                           conv_weights, conv_biases, kernel_sizes, split, H, W, E, cd,
                           ctx.x_dtype, w_dt[0], bool(ctx.needs_input_grad[0]), bool(b_dt))
    grads_w = [_cast(gw, d) for gw, d in zip(res[1:1 + S], w_dt)]
    g = unpack_grads(grads_w, res[1 + S], res[2 + S], kernel_sizes, split, _or_none(b_dt, S),
                     [d for pair in zip(cw_dt, _or_none(cb_dt, S - 1)) for d in pair])
    dx = res[0] if ctx.needs_input_grad[0] else None
    return (dx, None, g[0:2 * S:2], g[1:2 * S:2] if b_dt else [], g[2 * S::2],
            g[2 * S + 1::2] if cb_dt else [], None, None, None, None, None, None, None)


life_forward_op.register_autograd(_backward, setup_context=_setup_context)


def _compiled_forward(x, mask, params, kernel_sizes, split, H, W, E, cd):
    """The custom-op call that ``torch.compile`` traces (``params`` as for
    :class:`_LIFEFunction`)."""
    S = len(kernel_sizes)
    groups = [params[0:2 * S:2], params[1:2 * S:2], params[2 * S::2], params[2 * S + 1::2]]
    lists = []
    for name, group in zip(('point-wise weights', 'point-wise biases', 'conv weights',
                            'conv biases'), groups):
        present = [p for p in group if p is not None]
        if present and len(present) != len(group):
            raise ValueError(f'LIFE under torch.compile needs all or none of its {name}, got '
                             f'{len(present)} of {len(group)}')
        lists.append(present)
    need_grad = torch.is_grad_enabled() and (
        x.requires_grad or any(p.requires_grad for group in lists for p in group))
    return life_forward_op(x, mask, *lists, list(kernel_sizes), list(split), H, W, E, cd,
                           need_grad)[0]


# ------------------------------------------------------------------------------ entry point


def _autocast_dtype(x: Tensor) -> torch.dtype:
    dev = x.device.type
    if dev in ('cuda', 'cpu') and torch.is_autocast_enabled(dev):
        cd = torch.get_autocast_dtype(dev)
        if cd in (torch.float32, torch.float16, torch.bfloat16):
            return cd
    return x.dtype


def _flat_params(life) -> list:
    """Point-wise weight, bias per scale, then depthwise weight, bias per conv."""
    params = []
    for pw in life.pointwise:
        params += [pw.weight, pw.bias]
    for dw in life.depthwise:
        params += [dw.weight, dw.bias]
    return params


def life_fast_forward(life, x: Tensor, hw_shape: Sequence[int], num_extra_tokens: int,
                      mask: Optional[Tensor]) -> Tensor:
    """LIFE's forward on the fast path; same contract as ``LIFE.forward`` after input checks.

    Args:
        life (LIFE): the module (its parameters are used as they are).
        x (Tensor): ``(B, E + H * W, C)`` tokens on a CUDA device.
        hw_shape: ``(H, W)``.
        num_extra_tokens (int): ``E``.
        mask (Tensor, optional): bool ``(B, H * W)``, True where a patch token is padding.
    """
    H, W = int(hw_shape[0]), int(hw_shape[1])
    cd = _autocast_dtype(x)
    params = _flat_params(life)
    # a uint8 copy rather than a bool->uint8 view: inductor cannot lower a view to another dtype
    # of a bool tensor (torch 2.11), and the mask is small (B x H*W bytes)
    mask_u8 = None if mask is None else mask.reshape(x.shape[0], H * W).to(torch.uint8)
    E = int(num_extra_tokens)
    if torch.compiler.is_compiling():
        return _compiled_forward(x, mask_u8, params, life.kernel_sizes, life.split, H, W, E, cd)
    meta = (life.kernel_sizes, life.split, H, W, E, cd)
    return _LIFEFunction.apply(x, mask_u8, meta, *params)
