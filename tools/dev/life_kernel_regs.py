"""Registers and spills of every launch of the fast LIFE path, compiled for sm_90 on a CPU.

Developer tool (no GPU needed, Triton's NVIDIA backend and its bundled ptxas): for each width C
(DeiT-T 192, DeiT-S 384, DETR's 256 with its uneven split, SwinV2-T's 96), with and without a
padding mask, it records one bf16-autocast forward + backward (``life_compile.record_launches``),
compiles each distinct launch and prints its warps, registers a thread, spill-store bytes and
shared memory, and how many of its programs fit on one H100/H200 SM by registers (65,536 a
SM). A tile configuration that spills, or leaves one program an SM, is a candidate for
``tools/dev/life_kernel_sweep.py`` on a GPU.

    python tools/dev/life_kernel_regs.py [--widths 192 384 256 96] [--fused-conv | --split-conv]
        [--tap-outer] [--gemm-tile BM BK WARPS BN] [--conv-tile BM BK WARPS]

By default the launches are those of the current settings (``life_launch.split_conv``: the conv
launches split in two from ``SPLIT_CONV_MIN_K`` channels, fused below).
"""
import argparse

import torch

from mmlife.models.layers import life_compile, life_launch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--widths', type=int, nargs='+', default=[192, 384, 256, 96])
    parser.add_argument('--grid', type=int, default=8, help='tokens on a grid x grid map')
    split = parser.add_mutually_exclusive_group()
    split.add_argument('--fused-conv', action='store_true',
                       help='one launch a conv at every width (life_launch.SPLIT_CONV off)')
    split.add_argument('--split-conv', action='store_true',
                       help='two launches a conv at every width (SPLIT_CONV_MIN_K = 1)')
    parser.add_argument('--tap-outer', action='store_true',
                        help="dw_grad_kernel's TAP_OUTER loop order")
    parser.add_argument('--gemm-tile', type=int, nargs=4, metavar=('BM', 'BK', 'WARPS', 'BN'),
                        help='life_gemm_kernel tiles instead of gemm_config\'s (BN at most the '
                             'default; below the output width: COL_TILES)')
    parser.add_argument('--conv-tile', type=int, nargs=3, metavar=('BM', 'BK', 'WARPS'),
                        help="life_conv_kernel tiles instead of conv_config's")
    args = parser.parse_args()
    if not life_compile.backend_available():
        raise SystemExit('needs Triton with its NVIDIA backend')
    if args.fused_conv:
        life_launch.SPLIT_CONV = False
    if args.split_conv:
        life_launch.SPLIT_CONV, life_launch.SPLIT_CONV_MIN_K = True, 1
    if args.gemm_tile:
        gemm_config = life_launch.gemm_config

        def tiles(K, N, KS, cd, tile=tuple(args.gemm_tile)):
            cfg = gemm_config(K, N, KS, cd)
            return dict(cfg, BM=tile[0], BK=tile[1], num_warps=tile[2],
                        BN=min(cfg['BN'], tile[3]))
        life_launch.gemm_config = tiles
    if args.conv_tile:
        life_launch.conv_config = lambda K, KS, tile=tuple(args.conv_tile): dict(
            BM=tile[0], BK=tile[1], num_warps=tile[2], num_stages=1)
    if args.tap_outer:
        dw_config = life_launch.dw_config
        life_launch.dw_config = lambda K, KS: dict(dw_config(K, KS), TAP_OUTER=True)
    print('| C | mask | kernel | KS | transposed | K x N | warps | registers | spill bytes | '
          'shared bytes | programs an SM (registers) |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for C in args.widths:
        for mask in (False, True):
            launches = life_compile.record_launches(C, (args.grid, args.grid), 1, True,
                                                    torch.float32, mask)
            for name, launch_args, cx, options in life_compile.distinct(launches):
                ck = life_compile.compile_launch(name, launch_args, cx, options)
                regs, spills = life_compile.ptxas_usage(ck.asm['ptx'])
                n_warps = options['num_warps']
                fit = 65536 // (regs * 32 * n_warps) if regs else '?'
                size = f"{cx['K']} x {cx['N']}" if 'N' in cx else f"{cx['K']} channels"
                print(f"| {C} | {'yes' if mask else 'no'} | {name} | {cx['KS']} | "
                      f"{cx.get('FLIP', '-')} | {size} | {n_warps} | {regs} | {spills} | "
                      f"{ck.metadata.shared} | {fit} |", flush=True)


if __name__ == '__main__':
    main()
