"""Triton kernels behind :mod:`mmlife.models.layers.life_fast` (imported only on the fast path).

Tokens stay token-major (``(B * N, channels)``, channels contiguous) throughout; no kernel ever
builds an ``(B, C, H, W)`` map. Two kernels:

``life_gemm_kernel``
    ``out[r, :] = A[r, :] @ Wmat (+ bias)`` for a tile of ``BM`` token rows, where the A tile is
    made on the fly by a *prologue*: a plain (grouped) load, or a depthwise ``KS x KS`` conv of
    a source tensor over each token's grid neighbours (extra tokens pass through unchanged),
    optionally transposed (the conv's input gradient), optionally plus a second (grouped)
    tensor. The A tile can also be stored (for the weight gradients) and column-summed (bias
    gradients). Every output column of a row tile is made by one program, so the conv is
    computed once per element. Reads and writes can use the *grouped* column addressing of
    LIFE's ``[q_1..q_S | k_1..k_S | v_1..v_S]`` output: channel ``j`` of a scale of share ``d``
    lives at column ``(j // d) * part_stride + j % d`` of a row, which is how scale ``s`` reads
    and writes its slot of the output without any layout copy.

``dw_grad_kernel``
    The depthwise conv's weight and bias gradients (per-program partial sums, reduced by the
    caller) and, optionally, the recomputed conv output ``z`` that the point-wise weight
    gradient needs (recomputed rather than kept from forward, so LIFE keeps no more activations
    than the plain QKV Linear does).

Row indices: ``r = b * NTOK + t`` with ``t < E`` an extra token and ``t - E = h * W + w`` a patch.
"""
import triton
import triton.language as tl


@triton.jit
def life_gemm_kernel(
        src_ptr, src_rs, src_ps, src_d,  # A source: row stride, part stride, part width
        g_ptr, g_rs, g_ps, g_d,  # optional addend to A, same addressing
        cw_ptr, cb_ptr,  # depthwise conv weight (K, KS*KS) and bias (K,)
        mask_ptr,  # (B, H*W) uint8, nonzero = padding
        w_ptr, w_sk, w_sn,  # B operand: Bmat[k, n] = w_ptr[k * w_sk + n * w_sn]
        bias_ptr,  # (N,) bias of the output
        out_ptr, out_rs, out_ps, out_d,  # output addressing
        ast_ptr,  # A tile store, (M, K) contiguous
        cs_ptr,  # column sums of A, (num_row_tiles, K) float32
        M, K, N, NTOK, E, H, W,
        KS: tl.constexpr, FLIP: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
        HAS_G: tl.constexpr, HAS_BIAS: tl.constexpr, STORE_A: tl.constexpr,
        COLSUM: tl.constexpr, DOT_DTYPE: tl.constexpr, PRECISION: tl.constexpr,
        BM: tl.constexpr, BK: tl.constexpr, BN: tl.constexpr):
    pid = tl.program_id(0)
    rows = pid * BM + tl.arange(0, BM)
    row_ok = rows < M
    rows64 = rows.to(tl.int64)
    if KS > 1:
        img = rows // NTOK
        tok = rows - img * NTOK
        is_patch = row_ok & (tok >= E)
        is_extra = row_ok & (tok < E)
        p = tok - E
        ph = p // W
        pw = p - ph * W
        if HAS_MASK:
            if FLIP:
                pad_c = tl.load(mask_ptr + img * (H * W) + p, mask=is_patch, other=1)
                keep_c = pad_c == 0
    cols = tl.arange(0, BN)
    n_ok = cols < N
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for k0 in range(0, K, BK):
        kk = k0 + tl.arange(0, BK)
        k_ok = kk < K
        src_col = (kk // src_d) * src_ps + kk % src_d
        if KS == 1:
            a = tl.load(src_ptr + rows64[:, None] * src_rs + src_col[None, :],
                        mask=row_ok[:, None] & k_ok[None, :], other=0.).to(tl.float32)
        else:
            a = tl.zeros((BM, BK), dtype=tl.float32)
            for t in tl.static_range(KS * KS):
                di = t // KS - KS // 2
                dj = t % KS - KS // 2
                if FLIP:  # transposed conv: out[p] gathers in[p - offset]
                    di = -di
                    dj = -dj
                hh = ph + di
                ww = pw + dj
                ok = is_patch & (hh >= 0) & (hh < H) & (ww >= 0) & (ww < W)
                if HAS_MASK:
                    if not FLIP:  # padded inputs count as zeros
                        pad = tl.load(mask_ptr + img * (H * W) + hh * W + ww, mask=ok, other=1)
                        ok = ok & (pad == 0)
                nb = rows64 + (di * W + dj)
                v = tl.load(src_ptr + nb[:, None] * src_rs + src_col[None, :],
                            mask=ok[:, None] & k_ok[None, :], other=0.)
                wt = tl.load(cw_ptr + kk * (KS * KS) + t, mask=k_ok, other=0.)
                a += v.to(tl.float32) * wt.to(tl.float32)[None, :]
            if HAS_CB:
                cb = tl.load(cb_ptr + kk, mask=k_ok, other=0.)
                a += cb.to(tl.float32)[None, :]
            if HAS_MASK:
                if FLIP:  # the forward zeroed padded inputs: no gradient reaches them
                    a = tl.where(keep_c[:, None], a, 0.)
            center = tl.load(src_ptr + rows64[:, None] * src_rs + src_col[None, :],
                             mask=is_extra[:, None] & k_ok[None, :], other=0.)
            a = tl.where(is_patch[:, None], a, center.to(tl.float32))
        if HAS_G:
            g_col = (kk // g_d) * g_ps + kk % g_d
            g = tl.load(g_ptr + rows64[:, None] * g_rs + g_col[None, :],
                        mask=row_ok[:, None] & k_ok[None, :], other=0.)
            a += g.to(tl.float32)
        a_lp = a.to(DOT_DTYPE)
        if STORE_A:
            tl.store(ast_ptr + rows64[:, None] * K + kk[None, :],
                     a_lp.to(ast_ptr.dtype.element_ty), mask=row_ok[:, None] & k_ok[None, :])
        if COLSUM:
            tl.store(cs_ptr + pid * K + kk, tl.sum(a_lp.to(tl.float32), axis=0), mask=k_ok)
        b = tl.load(w_ptr + kk[:, None] * w_sk + cols[None, :] * w_sn,
                    mask=k_ok[:, None] & n_ok[None, :], other=0.).to(DOT_DTYPE)
        acc = tl.dot(a_lp, b, acc, input_precision=PRECISION)
    if HAS_BIAS:
        bias = tl.load(bias_ptr + cols, mask=n_ok, other=0.)
        acc += bias.to(tl.float32)[None, :]
    out_col = (cols // out_d) * out_ps + cols % out_d
    tl.store(out_ptr + rows64[:, None] * out_rs + out_col[None, :],
             acc.to(out_ptr.dtype.element_ty), mask=row_ok[:, None] & n_ok[None, :])


@triton.jit
def dw_grad_kernel(
        dz_ptr,  # gradient of the conv output, (M, K) contiguous
        y_ptr, y_rs, y_ps, y_d,  # the conv input (grouped addressing)
        cw_ptr, cb_ptr, mask_ptr,
        z_ptr,  # recomputed conv output, (M, K) contiguous
        part_ptr,  # (num_programs_0, KKP, K) float32 partial sums: KS*KS weight taps, bias
        M, K, NTOK, E, H, W, num_tiles,
        KS: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
        STORE_Z: tl.constexpr, BM: tl.constexpr, BC: tl.constexpr, KKP: tl.constexpr):
    pid = tl.program_id(0)
    nprog = tl.num_programs(0)
    kk = tl.program_id(1) * BC + tl.arange(0, BC)
    k_ok = kk < K
    y_col = (kk // y_d) * y_ps + kk % y_d
    taps = tl.arange(0, KKP)
    gacc = tl.zeros((KKP, BC), dtype=tl.float32)
    if HAS_CB:
        cb = tl.load(cb_ptr + kk, mask=k_ok, other=0.).to(tl.float32)
    for tile in range(pid, num_tiles, nprog):
        rows = tile * BM + tl.arange(0, BM)
        row_ok = rows < M
        rows64 = rows.to(tl.int64)
        img = rows // NTOK
        tok = rows - img * NTOK
        is_patch = row_ok & (tok >= E)
        p = tok - E
        ph = p // W
        pw = p - ph * W
        dz = tl.load(dz_ptr + rows64[:, None] * K + kk[None, :],
                     mask=is_patch[:, None] & k_ok[None, :], other=0.).to(tl.float32)
        zacc = tl.zeros((BM, BC), dtype=tl.float32)
        for t in tl.static_range(KS * KS):
            di = t // KS - KS // 2
            dj = t % KS - KS // 2
            hh = ph + di
            ww = pw + dj
            ok = is_patch & (hh >= 0) & (hh < H) & (ww >= 0) & (ww < W)
            if HAS_MASK:
                pad = tl.load(mask_ptr + img * (H * W) + hh * W + ww, mask=ok, other=1)
                ok = ok & (pad == 0)
            nb = rows64 + (di * W + dj)
            v = tl.load(y_ptr + nb[:, None] * y_rs + y_col[None, :],
                        mask=ok[:, None] & k_ok[None, :], other=0.).to(tl.float32)
            if STORE_Z:
                wt = tl.load(cw_ptr + kk * (KS * KS) + t, mask=k_ok, other=0.).to(tl.float32)
                zacc += v * wt[None, :]
            gacc = tl.where(taps[:, None] == t, gacc + tl.sum(dz * v, axis=0)[None, :], gacc)
        gacc = tl.where(taps[:, None] == KS * KS, gacc + tl.sum(dz, axis=0)[None, :], gacc)
        if STORE_Z:
            if HAS_CB:
                zacc += cb[None, :]
            is_extra = row_ok & (tok < E)
            center = tl.load(y_ptr + rows64[:, None] * y_rs + y_col[None, :],
                             mask=is_extra[:, None] & k_ok[None, :], other=0.)
            z = tl.where(is_patch[:, None], zacc, center.to(tl.float32))
            tl.store(z_ptr + rows64[:, None] * K + kk[None, :],
                     z.to(z_ptr.dtype.element_ty), mask=row_ok[:, None] & k_ok[None, :])
    tl.store(part_ptr + pid * (KKP * K) + taps[:, None] * K + kk[None, :], gacc,
             mask=k_ok[None, :])
