"""Time the fast LIFE path's kernels under several tile configurations (CUDA only).

    python tools/analysis_tools/life_kernel_sweep.py [--sizes 192:8:512 192:14:256 384:8:512]

Each size is ``C:grid:batch`` (tokens ``batch x (1 + grid*grid) x C``). For every
configuration of ``life_gemm_kernel`` (BM, BK, warps, stages) and of ``dw_grad_kernel``
(BM, BC, warps) it times one LIFE forward and forward + backward under bf16 autocast (median of
CUDA-event timings) next to ``nn.Linear(C, 3C)``, and prints the registers and spills of the
compiled kernels. The first configuration is the default of ``life_fast.gemm_config`` /
``life_fast.dw_config``; change those functions to adopt a better one.
"""
import argparse
import statistics

import torch

GEMM_VARIANTS = [None, (32, 32, 4, 2), (64, 64, 8, 2), (128, 32, 8, 2), (64, 32, 4, 3)]
DW_VARIANTS = [None, (64, 64, 4), (16, 64, 4), (32, 32, 2)]


def bench(fn, steps=20, repeats=7):
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(steps):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / steps)
    return statistics.median(times)


def kernel_resources():
    from mmlife.models.layers import _life_triton as k
    rows = []
    for name in ('life_gemm_kernel', 'dw_grad_kernel'):
        fn = getattr(k, name)
        for caches in getattr(fn, 'device_caches', {}).values():
            for key, ck in caches[0].items():
                rows.append((name, getattr(ck, 'n_regs', '?'), getattr(ck, 'n_spills', '?'),
                             getattr(getattr(ck, 'metadata', None), 'num_warps', '?')))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', nargs='+', default=['192:8:512', '192:14:256', '384:8:512',
                                                       '384:14:256'])
    parser.add_argument('--variants', choices=['all', 'default'], default='all')
    args = parser.parse_args()
    from mmlife.models import LIFE
    from mmlife.models.layers import life_fast
    default_gemm, default_dw = life_fast.gemm_config, life_fast.dw_config
    print(f'GPU: {torch.cuda.get_device_name()}')
    print('| size | variant | Linear fwd ms | LIFE fwd ms | Linear f+b ms | LIFE f+b ms |')
    print('|---|---|---|---|---|---|')
    for size in args.sizes:
        C, g, B = (int(v) for v in size.split(':'))
        x = torch.randn(B, 1 + g * g, C, device='cuda', requires_grad=True)
        grad = torch.randn(B, 1 + g * g, 3 * C, device='cuda', dtype=torch.bfloat16)
        life = LIFE(C, impl='fast').cuda()
        linear = torch.nn.Linear(C, 3 * C).cuda()

        def fwd(m):
            with torch.no_grad(), torch.autocast('cuda', dtype=torch.bfloat16):
                m(x, (g, g), 1) if m is life else m(x)

        def fwd_bwd(m):
            with torch.autocast('cuda', dtype=torch.bfloat16):
                out = m(x, (g, g), 1) if m is life else m(x)
            out.backward(grad)

        lin = (bench(lambda: fwd(linear)), bench(lambda: fwd_bwd(linear)))
        variants = [('gemm', v) for v in GEMM_VARIANTS] + [('dw', v) for v in DW_VARIANTS[1:]]
        if args.variants == 'default':
            variants = variants[:1]
        for kind, v in variants:
            life_fast.gemm_config, life_fast.dw_config = default_gemm, default_dw
            if kind == 'gemm' and v is not None:
                def cfg(M, K, N, KS, v=v):
                    base = default_gemm(M, K, N, KS)
                    return dict(base, BM=v[0], BK=v[1], num_warps=v[2], num_stages=v[3])
                life_fast.gemm_config = cfg
            elif kind == 'dw':
                life_fast.dw_config = lambda M, K, KS, v=v: dict(BM=v[0], BC=v[1], num_warps=v[2])
            try:
                t = (bench(lambda: fwd(life)), bench(lambda: fwd_bwd(life)))
            except Exception as err:  # a configuration the compiler rejects
                print(f'| {size} | {kind} {v} | failed: {type(err).__name__}: {err} |')
                continue
            print(f'| {size} | {kind} {v or "default"} | {lin[0]:.3f} | {t[0]:.3f} | '
                  f'{lin[1]:.3f} | {t[1]:.3f} |', flush=True)
        life_fast.gemm_config, life_fast.dw_config = default_gemm, default_dw
    print('\nkernel, registers, spills, warps:')
    for row in sorted(set(kernel_resources()), key=str):
        print(row)


if __name__ == '__main__':
    main()
