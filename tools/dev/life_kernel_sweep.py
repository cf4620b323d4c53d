"""Device time of the fast LIFE path's kernels under several tile configurations (CUDA only).

Developer tool: it chose the tile sizes of ``life_launch.gemm_config`` / ``dw_config``; rerun it
after changing the kernels.

    python tools/dev/life_kernel_sweep.py [--sizes 192:8:512 384:14:256 256:32:16:mask]

Each size is ``C:grid:batch`` (tokens ``batch x (1 + grid*grid) x C``), or
``C:grid:batch:mask`` (no extra token, a padding mask). For every tile configuration of
``life_gemm_kernel`` (BM, BK, warps, stages, column tiles) and of ``dw_grad_kernel`` (BM, BC,
warps, programs per SM: ``life_launch.DW_PROGRAMS_PER_SM``, loop order
``TAP_OUTER``), and with every conv launch split in two (``life_launch.SPLIT_CONV`` with
``SPLIT_CONV_MIN_K`` 1, tiles of ``life_conv_kernel``) or fused, it runs LIFE forward +
backward under bf16 autocast inside ``torch.profiler`` and prints the device time per call of
each kernel (so host overhead and machine noise do not enter), next to ``nn.Linear(C, 3C)``'s.
The first configuration is the default of ``life_launch.gemm_config`` /
``life_launch.dw_config``; change those to adopt a better one.
"""
import argparse
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

# life_gemm_kernel: (BM, BK, warps, stages[, BN]); at 16 warps every launch sits at the
# 128-register cap and DETR's C = 256 spills, (64, 32, 16) halves the accumulator, 8 warps lift
# the cap; a BN below the width tiles the output columns (COL_TILES: a conv launch then
# computes its conv once per column tile)
GEMM_VARIANTS = [None, (32, 32, 8, 1), (64, 64, 8, 1), (128, 32, 8, 1), (64, 32, 4, 1),
                 (64, 32, 16, 1), (64, 32, 8, 1), (128, 32, 16, 1, 128), (64, 32, 16, 1, 128),
                 (64, 32, 8, 1, 128)]
# dw_grad_kernel: (BM, BC, warps, programs per SM, TAP_OUTER). The default (64 x 32, 4 warps)
# needs 145-197 registers, so 2-3 programs fit an SM (tools/dev/life_kernel_regs.py): fewer
# programs an SM run in one wave; smaller tiles need fewer registers; TAP_OUTER (96-104
# registers; 58-62 with 8 warps) sums over rows once per tap and program, so fewer programs
# (more tiles each) mean fewer row sums. 1- and 2-warp tiles spill on sm_90: left out.
DW_VARIANTS = [(32, 64, 4, 4, False), (64, 32, 4, 2, False), (64, 32, 4, 4, False),
               (64, 32, 4, 8, False), (32, 32, 4, 4, False), (32, 32, 4, 8, False),
               (64, 16, 4, 8, False),
               (64, 32, 4, 4, True), (64, 32, 4, 2, True), (64, 32, 4, 1, True),
               (64, 32, 8, 4, True), (64, 32, 8, 2, True)]
# conv launches split in two at every width (life_launch.SPLIT_CONV, SPLIT_CONV_MIN_K = 1; by
# default only from 384 channels): life_conv_kernel (BM, BK, warps), then a plain
# life_gemm_kernel launch; 'fused' is one launch a conv at every width (SPLIT_CONV off)
SPLIT_VARIANTS = [(128, 64, 4), (32, 64, 4), (64, 32, 2), 'fused']


def device_times(fn, calls=10):
    """Per-call device time (us) of each kernel name, over ``calls`` calls of ``fn``."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
    times = defaultdict(float)
    for evt in prof.key_averages():
        t = getattr(evt, 'self_device_time_total', None)
        if t is None:
            t = getattr(evt, 'self_cuda_time_total', 0)
        if t and evt.device_type == torch.autograd.DeviceType.CUDA:
            times[evt.key] += t / calls
    return times


def short(name):
    for k in ('life_gemm_kernel', 'life_conv_kernel', 'dw_grad_kernel'):
        if k in name:
            return k
    if 'gemm' in name or 'nvjet' in name or 'cutlass' in name or 'sm90' in name:
        return 'cublas'
    return 'other'


def summarize(times):
    out = defaultdict(float)
    for k, v in times.items():
        out[short(k)] += v
    out['total'] = sum(times.values())
    return dict(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', nargs='+', default=['192:8:512', '256:32:16:mask', '384:8:512',
                                                       '192:14:256', '384:14:256'],
                        help='C:grid:batch (one extra token), or C:grid:batch:mask (no extra '
                             "token and a padding mask, as DETR's encoder)")
    parser.add_argument('--variants', choices=['all', 'default'], default='all')
    args = parser.parse_args()
    from mmlife.models import LIFE
    from mmlife.models.layers import life_launch
    defaults = {name: getattr(life_launch, name) for name in (
        'gemm_config', 'dw_config', 'conv_config', *life_launch.SETTINGS)}
    default_gemm = defaults['gemm_config']

    def reset():
        for name, value in defaults.items():
            setattr(life_launch, name, value)
        life_launch.clear_caches()

    print(f'GPU: {torch.cuda.get_device_name()}; device us per call of fwd+bwd')
    print('| size | variant | Linear total | LIFE total | life_gemm_kernel | life_conv_kernel | '
          'dw_grad_kernel | cuBLAS | other |')
    print('|---|---|---|---|---|---|---|---|---|')
    for size in args.sizes:
        C, g, B = (int(v) for v in size.split(':')[:3])
        masked = size.endswith(':mask')
        E = 0 if masked else 1
        x = torch.randn(B, E + g * g, C, device='cuda', requires_grad=True)
        grad = torch.randn(B, E + g * g, 3 * C, device='cuda', dtype=torch.bfloat16)
        mask = None
        if masked:  # right and bottom padding of 0-30 % of the grid, as batched DETR images
            rows = torch.arange(g, device='cuda')
            keep = (g * (1 - 0.3 * torch.rand(B, 1, device='cuda'))).ceil()
            mask = ((rows[None, :, None] >= keep[:, :, None])
                    | (rows[None, None, :] >= keep[:, :, None]))
        life = LIFE(C, impl='fast').cuda()
        linear = torch.nn.Linear(C, 3 * C).cuda()

        def fwd_bwd(m):
            with torch.autocast('cuda', dtype=torch.bfloat16):
                out = m(x, (g, g), E, mask) if m is life else m(x)
            out.backward(grad)

        lin = summarize(device_times(lambda: fwd_bwd(linear)))
        variants = ([('gemm', v) for v in GEMM_VARIANTS] + [('dw', v) for v in DW_VARIANTS]
                    + [('split', v) for v in SPLIT_VARIANTS])
        if args.variants == 'default':
            variants = variants[:1]
        for kind, v in variants:
            reset()
            if kind == 'split':
                life_launch.SPLIT_CONV, life_launch.SPLIT_CONV_MIN_K = v != 'fused', 1
                if v != 'fused':
                    life_launch.conv_config = lambda K, KS, v=v: dict(
                        BM=v[0], BK=v[1], num_warps=v[2], num_stages=1)
            elif kind == 'gemm' and v is not None:
                def cfg(K, N, KS, cd, v=v):
                    base = default_gemm(K, N, KS, cd)
                    cfg = dict(base, BM=v[0], BK=v[1], num_warps=v[2], num_stages=v[3])
                    if len(v) > 4:
                        cfg['BN'] = min(cfg['BN'], v[4])
                    return cfg
                life_launch.gemm_config = cfg
            elif kind == 'dw':
                life_launch.dw_config = lambda K, KS, v=v: dict(BM=v[0], BC=v[1], num_warps=v[2],
                                                              num_stages=1, TAP_OUTER=v[4])
                life_launch.DW_PROGRAMS_PER_SM = v[3]
            try:
                t = summarize(device_times(lambda: fwd_bwd(life)))
            except Exception as err:  # a configuration the compiler rejects
                print(f'| {size} | {kind} {v} | failed: {type(err).__name__}: {str(err)[:80]} |')
                continue
            print(f"| {size} | {kind} {v or 'default'} | {lin['total']:.0f} | {t['total']:.0f} "
                  f"| {t.get('life_gemm_kernel', 0):.0f} | {t.get('life_conv_kernel', 0):.0f} | "
                  f"{t.get('dw_grad_kernel', 0):.0f} | {t.get('cublas', 0):.0f} | "
                  f"{t.get('other', 0):.0f} |", flush=True)
        reset()
    from mmlife.models.layers import _life_triton as k
    print('\ncompiled kernels (registers, spills, warps, shared bytes):')
    for name in ('life_gemm_kernel', 'life_conv_kernel', 'dw_grad_kernel'):
        for caches in getattr(getattr(k, name), 'device_caches', {}).values():
            for ck in caches[0].values():
                md = getattr(ck, 'metadata', None)
                print(name, getattr(ck, 'n_regs', '?'), getattr(ck, 'n_spills', '?'),
                      getattr(md, 'num_warps', '?'), getattr(md, 'shared', '?'))


if __name__ == '__main__':
    main()
