"""Triton kernels behind :mod:`mmlife.models.layers.life_fast` (imported only on the fast path).

Tokens stay token-major (``(B * N, channels)``, channels contiguous) throughout; no kernel ever
builds an ``(B, C, H, W)`` map. The kernels:

``life_gemm_kernel``
    ``out[r, :] = A[r, :] @ Wmat (+ bias)`` for a tile of ``BM`` token rows, where the A tile is
    made on the fly by a *prologue*: a plain (grouped) load, or a depthwise ``KS x KS`` conv of
    a source tensor over each token's grid neighbours (extra tokens pass through unchanged),
    optionally transposed (the conv's input gradient), optionally plus a second (grouped)
    tensor. The A tile can also be stored, at row stride ``AST_RS`` (for the weight and bias
    gradients, which the caller computes from the stored tile; every scale's tile goes to its
    column block of one buffer, so that one sum gives all bias gradients). A launch that stores
    its A tile must not be software-pipelined (``num_stages=1``, enforced by the launcher):
    Triton's pipeliner gives a load with a second, non-dot user a single shared-memory buffer
    while it keeps a wgmma in flight, and the next tile's prefetch then overwrites the operand
    of that wgmma (this, and an in-loop column sum as the second user before it, raced on the
    H100). Every output column of a row tile is made by one program, so the conv is computed
    once per element (with ``COL_TILES`` the columns come in tiles of ``BN``, one program
    each, and a conv launch computes its conv once per column tile). Reads and writes use the
    *grouped* column addressing of LIFE's ``[q_1..q_S | k_1..k_S | v_1..v_S]`` output: channel
    ``j`` of a scale of share ``d`` lives at column ``OFF + (j // d) * PS + j % d`` of a row of
    stride ``RS``; that is how scale ``s`` reads and writes its slot of the output without any
    layout copy. As a side job the kernel can convert up to two weight matrices to the matmul
    dtype for later launches.

``life_conv_kernel``
    The prologue of ``life_gemm_kernel`` alone: a conv launch split in two
    (``life_launch.split_conv``), the conv into a buffer in the matmul dtype, then a plain
    (``KS = 1``) ``life_gemm_kernel`` launch that multiplies it. More memory traffic, but each
    launch can be tiled for its own job (the fused launch holds a wide accumulator while it
    gathers the taps).

``dw_grad_kernel``
    The depthwise conv's weight and bias gradients and the recomputed conv output ``z`` that
    the point-wise weight gradient needs (recomputed rather than kept from forward, so LIFE
    keeps no more activations than the plain QKV Linear does). Program ``p`` sums the
    gradients over a fixed set of row tiles (``p, p + P, p + 2P, ...``) in a fixed order and
    writes the sums to row ``p`` of a float32 partial-sum buffer; the caller reduces that
    buffer over its rows (``torch.sum``). No atomics: the gradients are bitwise reproducible.
    Two loop orders (``TAP_OUTER``): by default each row tile is read once and every tap's
    product is summed over the tile's rows at once (one row sum per tap and tile); with
    ``TAP_OUTER`` the program first recomputes ``z`` tile by tile, then takes one tap at a time
    over all of its tiles, adding the products element-wise and summing over rows once per tap
    (fewer row sums, more reads of the tiles, which then come from the cache).

Row ``r = b * NTOK + t`` is token ``t`` of image ``b``; ``t < E`` is an extra token and
``t - E = h * W + w`` a patch. Model constants (widths, strides, offsets) are ``constexpr``;
the batch and grid sizes are run-time values, so a new input size needs no recompilation.
"""
import triton
import triton.language as tl

_RUNTIME = ['M', 'NTOK', 'E', 'H', 'W']


@triton.jit(do_not_specialize=_RUNTIME)
def life_gemm_kernel(
        src_ptr, g_ptr, cw_ptr, cb_ptr, mask_ptr, w_ptr, bias_ptr, out_ptr, ast_ptr,
        s0_src, s0_dst, s1_src, s1_dst,
        M, NTOK, E, H, W,
        K: tl.constexpr, N: tl.constexpr,
        SRC_RS: tl.constexpr, SRC_PS: tl.constexpr, SRC_D: tl.constexpr, SRC_OFF: tl.constexpr,
        G_RS: tl.constexpr, G_PS: tl.constexpr, G_D: tl.constexpr, G_OFF: tl.constexpr,
        W_SK: tl.constexpr, W_SN: tl.constexpr,
        OUT_RS: tl.constexpr, OUT_PS: tl.constexpr, OUT_D: tl.constexpr, OUT_OFF: tl.constexpr,
        AST_RS: tl.constexpr, S0_N: tl.constexpr, S1_N: tl.constexpr,
        KS: tl.constexpr, FLIP: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
        HAS_G: tl.constexpr, HAS_BIAS: tl.constexpr, STORE_A: tl.constexpr,
        DOT_DTYPE: tl.constexpr, PRECISION: tl.constexpr,
        BM: tl.constexpr, BK: tl.constexpr, BN: tl.constexpr, COL_TILES: tl.constexpr):
    pid = tl.program_id(0)
    # COL_TILES: the output columns in tiles of BN, one program each (grid axis 1); the first
    # column tile alone does the side job and stores the A tile
    first = True
    if COL_TILES:
        first = tl.program_id(1) == 0
    if S0_N > 0:  # side job: convert weights for the next launches
        if first:
            _convert(s0_src, s0_dst, S0_N, pid, tl.num_programs(0))
    if S1_N > 0:
        if first:
            _convert(s1_src, s1_dst, S1_N, pid, tl.num_programs(0))
    rows = pid * BM + tl.arange(0, BM)
    row_ok = rows < M
    rows64 = rows.to(tl.int64)
    if KS > 1:
        img, tok, is_patch, ph, pw = _geometry(rows, row_ok, NTOK, E, W)
        is_extra = row_ok & (tok < E)
        keep_c = _keep_center(mask_ptr, img, tok, is_patch, E, H, W, FLIP, HAS_MASK)
    else:  # a plain load: no grid (placeholders, unused)
        img, ph, pw = rows, rows, rows
        is_patch, is_extra, keep_c = row_ok, row_ok, row_ok
    cols = tl.arange(0, BN)
    if COL_TILES:
        cols += tl.program_id(1) * BN
    n_ok = cols < N
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for k0 in range(0, K, BK):
        kk = k0 + tl.arange(0, BK)
        k_ok = kk < K
        a = _a_tile(src_ptr, g_ptr, cw_ptr, cb_ptr, mask_ptr, rows64, row_ok, img, is_patch,
                    is_extra, ph, pw, keep_c, kk, k_ok, H, W, SRC_RS, SRC_PS, SRC_D, SRC_OFF,
                    G_RS, G_PS, G_D, G_OFF, KS, FLIP, HAS_CB, HAS_MASK, HAS_G, BM, BK)
        a_lp = a.to(DOT_DTYPE)
        if STORE_A:
            tl.store(ast_ptr + rows64[:, None] * AST_RS + kk[None, :],
                     a_lp.to(ast_ptr.dtype.element_ty),
                     mask=row_ok[:, None] & k_ok[None, :] & first)
        b = tl.load(w_ptr + kk[:, None] * W_SK + cols[None, :] * W_SN,
                    mask=k_ok[:, None] & n_ok[None, :], other=0.).to(DOT_DTYPE)
        acc = tl.dot(a_lp, b, acc, input_precision=PRECISION)
    if HAS_BIAS:
        bias = tl.load(bias_ptr + cols, mask=n_ok, other=0.)
        acc += bias.to(tl.float32)[None, :]
    out_col = OUT_OFF + (cols // OUT_D) * OUT_PS + cols % OUT_D
    tl.store(out_ptr + rows64[:, None] * OUT_RS + out_col[None, :],
             acc.to(out_ptr.dtype.element_ty), mask=row_ok[:, None] & n_ok[None, :])



@triton.jit(do_not_specialize=_RUNTIME)
def life_conv_kernel(
        src_ptr, g_ptr, cw_ptr, cb_ptr, mask_ptr, dst_ptr,
        M, NTOK, E, H, W,
        K: tl.constexpr,
        SRC_RS: tl.constexpr, SRC_PS: tl.constexpr, SRC_D: tl.constexpr, SRC_OFF: tl.constexpr,
        G_RS: tl.constexpr, G_PS: tl.constexpr, G_D: tl.constexpr, G_OFF: tl.constexpr,
        DST_RS: tl.constexpr, KS: tl.constexpr, FLIP: tl.constexpr, HAS_CB: tl.constexpr,
        HAS_MASK: tl.constexpr, HAS_G: tl.constexpr, BM: tl.constexpr, BK: tl.constexpr):
    """``life_gemm_kernel``'s A tile on its own (the split conv launch): ``dst`` (row stride
    ``DST_RS``) gets the prologue of a conv launch, which a ``KS = 1`` launch then multiplies."""
    rows = tl.program_id(0) * BM + tl.arange(0, BM)
    row_ok = rows < M
    img, tok, is_patch, ph, pw = _geometry(rows, row_ok, NTOK, E, W)
    is_extra = row_ok & (tok < E)
    keep_c = _keep_center(mask_ptr, img, tok, is_patch, E, H, W, FLIP, HAS_MASK)
    kk = tl.program_id(1) * BK + tl.arange(0, BK)
    k_ok = kk < K
    rows64 = rows.to(tl.int64)
    a = _a_tile(src_ptr, g_ptr, cw_ptr, cb_ptr, mask_ptr, rows64, row_ok, img, is_patch,
                is_extra, ph, pw, keep_c, kk, k_ok, H, W, SRC_RS, SRC_PS, SRC_D, SRC_OFF,
                G_RS, G_PS, G_D, G_OFF, KS, FLIP, HAS_CB, HAS_MASK, HAS_G, BM, BK)
    tl.store(dst_ptr + rows64[:, None] * DST_RS + kk[None, :], a.to(dst_ptr.dtype.element_ty),
             mask=row_ok[:, None] & k_ok[None, :])

@triton.jit
def _geometry(rows, row_ok, NTOK, E, W):
    """Where each row's token sits: ``(img, tok, is_patch, ph, pw)``."""
    img = rows // NTOK
    tok = rows - img * NTOK
    is_patch = row_ok & (tok >= E)
    p = tok - E
    ph = p // W
    return img, tok, is_patch, ph, p - ph * W


@triton.jit
def _keep_center(mask_ptr, img, tok, is_patch, E, H, W, FLIP: tl.constexpr,
                 HAS_MASK: tl.constexpr):
    """For a transposed conv with a padding mask: whether each row's own token is not padding
    (the forward zeroed padded inputs, so no gradient reaches them); else ``is_patch``."""
    keep_c = is_patch
    if HAS_MASK:
        if FLIP:
            keep_c = tl.load(mask_ptr + img * (H * W) + (tok - E), mask=is_patch, other=1) == 0
    return keep_c


@triton.jit
def _a_tile(src_ptr, g_ptr, cw_ptr, cb_ptr, mask_ptr, rows64, row_ok, img, is_patch, is_extra,
            ph, pw, keep_c, kk, k_ok, H, W,
            SRC_RS: tl.constexpr, SRC_PS: tl.constexpr, SRC_D: tl.constexpr,
            SRC_OFF: tl.constexpr, G_RS: tl.constexpr, G_PS: tl.constexpr, G_D: tl.constexpr,
            G_OFF: tl.constexpr, KS: tl.constexpr, FLIP: tl.constexpr, HAS_CB: tl.constexpr,
            HAS_MASK: tl.constexpr, HAS_G: tl.constexpr, BM: tl.constexpr, BK: tl.constexpr):
    """The float32 A tile (rows x channels ``kk``) of ``life_gemm_kernel``'s prologue: the
    (grouped) source, or its depthwise ``KS x KS`` conv (transposed with ``FLIP``; extra tokens
    pass through), plus the second tensor ``g`` with ``HAS_G``."""
    src_col = SRC_OFF + (kk // SRC_D) * SRC_PS + kk % SRC_D
    if KS == 1:
        a = tl.load(src_ptr + rows64[:, None] * SRC_RS + src_col[None, :],
                    mask=row_ok[:, None] & k_ok[None, :], other=0.).to(tl.float32)
    else:
        a = tl.zeros((BM, BK), dtype=tl.float32)
        # one kernel row of taps per iteration: unrolled over all taps, every tap's load
        # would be hoisted (~255 registers); this keeps KS loads in flight
        for i in range(KS):
            for j in tl.static_range(KS):
                t = i * KS + j
                di = i - KS // 2
                dj = j - KS // 2
                if FLIP:  # transposed conv: out[p] gathers in[p - offset]
                    di = -di
                    dj = -dj
                # padded inputs count as zeros (transposed: keep_c below)
                v = _neighbour(src_ptr, src_col, mask_ptr, rows64, img, ph, pw, is_patch, k_ok,
                               di, dj, H, W, SRC_RS, HAS_MASK and not FLIP)
                wt = tl.load(cw_ptr + kk * (KS * KS) + t, mask=k_ok, other=0.)
                a += v * wt.to(tl.float32)[None, :]
        if HAS_CB:
            cb = tl.load(cb_ptr + kk, mask=k_ok, other=0.)
            a += cb.to(tl.float32)[None, :]
        if HAS_MASK:
            if FLIP:
                a = tl.where(keep_c[:, None], a, 0.)
        center = tl.load(src_ptr + rows64[:, None] * SRC_RS + src_col[None, :],
                         mask=is_extra[:, None] & k_ok[None, :], other=0.)
        a = tl.where(is_patch[:, None], a, center.to(tl.float32))
    if HAS_G:
        g_col = G_OFF + (kk // G_D) * G_PS + kk % G_D
        g = tl.load(g_ptr + rows64[:, None] * G_RS + g_col[None, :],
                    mask=row_ok[:, None] & k_ok[None, :], other=0.)
        a += g.to(tl.float32)
    return a


@triton.jit
def _convert(src, dst, numel: tl.constexpr, pid, nprog):
    offs = pid * 256 + tl.arange(0, 256)
    for base in range(0, numel, nprog * 256):
        o = base + offs
        v = tl.load(src + o, mask=o < numel)
        tl.store(dst + o, v.to(dst.dtype.element_ty), mask=o < numel)


@triton.jit(do_not_specialize=_RUNTIME + ['num_tiles'])
def dw_grad_kernel(
        dz_ptr,  # gradient of the conv output, (M, K) contiguous
        y_ptr,  # the conv input (grouped addressing)
        cw_ptr, cb_ptr, mask_ptr,
        z_ptr,  # recomputed conv output, (M, K) contiguous
        # float32 partial sums: row p (stride PART_RS) of program p holds its weight-gradient
        # sums (K, KS*KS) at gw_ptr and its bias-gradient sums (K,) at gb_ptr
        gw_ptr, gb_ptr,
        M, NTOK, E, H, W, num_tiles,
        K: tl.constexpr, PART_RS: tl.constexpr,
        Y_RS: tl.constexpr, Y_PS: tl.constexpr, Y_D: tl.constexpr,
        Y_OFF: tl.constexpr, KS: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
        BM: tl.constexpr, BC: tl.constexpr, KKP: tl.constexpr, TAP_OUTER: tl.constexpr):
    pid = tl.program_id(0)
    nprog = tl.num_programs(0)
    kk = tl.program_id(1) * BC + tl.arange(0, BC)
    k_ok = kk < K
    y_col = Y_OFF + (kk // Y_D) * Y_PS + kk % Y_D
    if TAP_OUTER:
        _dw_grad_tap_outer(dz_ptr, y_ptr, cw_ptr, cb_ptr, mask_ptr, z_ptr, gw_ptr, gb_ptr,
                           M, NTOK, E, H, W, num_tiles, pid, nprog, kk, k_ok, y_col, K, PART_RS,
                           Y_RS, KS, HAS_CB, HAS_MASK, BM, BC)
    else:
        _dw_grad_tile_outer(dz_ptr, y_ptr, cw_ptr, cb_ptr, mask_ptr, z_ptr, gw_ptr, gb_ptr,
                            M, NTOK, E, H, W, num_tiles, pid, nprog, kk, k_ok, y_col, K,
                            PART_RS, Y_RS, KS, HAS_CB, HAS_MASK, BM, BC, KKP)


@triton.jit
def _dw_grad_tile_outer(dz_ptr, y_ptr, cw_ptr, cb_ptr, mask_ptr, z_ptr, gw_ptr, gb_ptr,
                        M, NTOK, E, H, W, num_tiles, pid, nprog, kk, k_ok, y_col,
                        K: tl.constexpr, PART_RS: tl.constexpr, Y_RS: tl.constexpr,
                        KS: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
                        BM: tl.constexpr, BC: tl.constexpr, KKP: tl.constexpr):
    """``dw_grad_kernel`` by row tile: every tap's product summed over the tile's rows at once
    (``KS * KS + 1`` row sums a tile), the sums kept in a ``(taps, channels)`` accumulator."""
    taps = tl.arange(0, KKP)
    gacc = tl.zeros((KKP, BC), dtype=tl.float32)
    if HAS_CB:
        cb = tl.load(cb_ptr + kk, mask=k_ok, other=0.).to(tl.float32)
    for tile in range(pid, num_tiles, nprog):
        rows64, row_ok, img, tok, is_patch, ph, pw = _rows(tile, M, NTOK, E, W, BM)
        dz = tl.load(dz_ptr + rows64[:, None] * K + kk[None, :],
                     mask=is_patch[:, None] & k_ok[None, :], other=0.).to(tl.float32)
        zacc = tl.zeros((BM, BC), dtype=tl.float32)
        for i in range(KS):  # one kernel row of taps per iteration (see life_gemm_kernel)
            for j in tl.static_range(KS):
                t = i * KS + j
                v = _neighbour(y_ptr, y_col, mask_ptr, rows64, img, ph, pw, is_patch, k_ok,
                               i - KS // 2, j - KS // 2, H, W, Y_RS, HAS_MASK)
                wt = tl.load(cw_ptr + kk * (KS * KS) + t, mask=k_ok, other=0.).to(tl.float32)
                zacc += v * wt[None, :]
                gacc = tl.where(taps[:, None] == t, gacc + tl.sum(dz * v, axis=0)[None, :],
                                gacc)
        gacc = tl.where(taps[:, None] == KS * KS, gacc + tl.sum(dz, axis=0)[None, :], gacc)
        if HAS_CB:
            zacc += cb[None, :]
        _store_z(z_ptr, zacc, y_ptr, y_col, rows64, row_ok, tok, is_patch, kk, k_ok, E, K, Y_RS)
    # every program writes its whole row of the partial-sum buffer (zeros if it had no tile)
    part = pid.to(tl.int64) * PART_RS
    tap_ok = taps < KS * KS
    tl.store(gw_ptr + part + kk[None, :] * (KS * KS) + taps[:, None], gacc,
             mask=tap_ok[:, None] & k_ok[None, :])
    if HAS_CB:
        gb = tl.sum(tl.where(taps[:, None] == KS * KS, gacc, 0.), axis=0)
        tl.store(gb_ptr + part + kk, gb, mask=k_ok)


@triton.jit
def _rows(tile, M, NTOK, E, W, BM: tl.constexpr):
    """Row indices of a tile and where each row's token sits: (rows64, row_ok, img, tok,
    is_patch, ph, pw)."""
    rows = tile * BM + tl.arange(0, BM)
    row_ok = rows < M
    img, tok, is_patch, ph, pw = _geometry(rows, row_ok, NTOK, E, W)
    return rows.to(tl.int64), row_ok, img, tok, is_patch, ph, pw


@triton.jit
def _neighbour(y_ptr, y_col, mask_ptr, rows64, img, ph, pw, is_patch, k_ok, di, dj, H, W,
               Y_RS: tl.constexpr, HAS_MASK: tl.constexpr):
    """The conv input at each row's grid neighbour ``(di, dj)`` in float32: zero off the grid,
    for extra tokens and for padded neighbours."""
    hh = ph + di
    ww = pw + dj
    ok = is_patch & (hh >= 0) & (hh < H) & (ww >= 0) & (ww < W)
    if HAS_MASK:
        pad = tl.load(mask_ptr + img * (H * W) + hh * W + ww, mask=ok, other=1)
        ok = ok & (pad == 0)
    nb = rows64 + (di * W + dj)
    return tl.load(y_ptr + nb[:, None] * Y_RS + y_col[None, :],
                   mask=ok[:, None] & k_ok[None, :], other=0.).to(tl.float32)


@triton.jit
def _store_z(z_ptr, zacc, y_ptr, y_col, rows64, row_ok, tok, is_patch, kk, k_ok, E,
             K: tl.constexpr, Y_RS: tl.constexpr):
    """Store a tile of the recomputed conv output: ``zacc`` for patches, the conv input as it
    is for extra tokens."""
    is_extra = row_ok & (tok < E)
    center = tl.load(y_ptr + rows64[:, None] * Y_RS + y_col[None, :],
                     mask=is_extra[:, None] & k_ok[None, :], other=0.)
    z = tl.where(is_patch[:, None], zacc, center.to(tl.float32))
    tl.store(z_ptr + rows64[:, None] * K + kk[None, :], z.to(z_ptr.dtype.element_ty),
             mask=row_ok[:, None] & k_ok[None, :])


@triton.jit
def _dw_grad_tap_outer(dz_ptr, y_ptr, cw_ptr, cb_ptr, mask_ptr, z_ptr, gw_ptr, gb_ptr,
                       M, NTOK, E, H, W, num_tiles, pid, nprog, kk, k_ok, y_col,
                       K: tl.constexpr, PART_RS: tl.constexpr, Y_RS: tl.constexpr,
                       KS: tl.constexpr, HAS_CB: tl.constexpr, HAS_MASK: tl.constexpr,
                       BM: tl.constexpr, BC: tl.constexpr):
    """``dw_grad_kernel`` with ``TAP_OUTER``: ``z`` tile by tile, then the weight gradient one
    tap at a time over all of this program's tiles (one row sum per tap)."""
    part = pid.to(tl.int64) * PART_RS
    bacc = tl.zeros((BM, BC), dtype=tl.float32)
    if HAS_CB:
        cb = tl.load(cb_ptr + kk, mask=k_ok, other=0.).to(tl.float32)
    for tile in range(pid, num_tiles, nprog):
        rows64, row_ok, img, tok, is_patch, ph, pw = _rows(tile, M, NTOK, E, W, BM)
        zacc = tl.zeros((BM, BC), dtype=tl.float32)
        for i in range(KS):
            for j in tl.static_range(KS):
                v = _neighbour(y_ptr, y_col, mask_ptr, rows64, img, ph, pw, is_patch, k_ok,
                               i - KS // 2, j - KS // 2, H, W, Y_RS, HAS_MASK)
                wt = tl.load(cw_ptr + kk * (KS * KS) + i * KS + j, mask=k_ok,
                             other=0.).to(tl.float32)
                zacc += v * wt[None, :]
        if HAS_CB:
            zacc += cb[None, :]
            bacc += tl.load(dz_ptr + rows64[:, None] * K + kk[None, :],
                            mask=is_patch[:, None] & k_ok[None, :], other=0.).to(tl.float32)
        _store_z(z_ptr, zacc, y_ptr, y_col, rows64, row_ok, tok, is_patch, kk, k_ok, E, K, Y_RS)
    for t in range(KS * KS):
        di = t // KS - KS // 2
        dj = t % KS - KS // 2
        acc = tl.zeros((BM, BC), dtype=tl.float32)
        for tile in range(pid, num_tiles, nprog):
            rows64, row_ok, img, tok, is_patch, ph, pw = _rows(tile, M, NTOK, E, W, BM)
            dz = tl.load(dz_ptr + rows64[:, None] * K + kk[None, :],
                         mask=is_patch[:, None] & k_ok[None, :], other=0.).to(tl.float32)
            acc += dz * _neighbour(y_ptr, y_col, mask_ptr, rows64, img, ph, pw, is_patch, k_ok,
                                   di, dj, H, W, Y_RS, HAS_MASK)
        tl.store(gw_ptr + part + kk * (KS * KS) + t, tl.sum(acc, axis=0), mask=k_ok)
    if HAS_CB:
        tl.store(gb_ptr + part + kk, tl.sum(bacc, axis=0), mask=k_ok)
