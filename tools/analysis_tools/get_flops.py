"""Parameters and GMACs of classification, detection or segmentation configs, one row each.

    python tools/analysis_tools/get_flops.py                  # the LIFE paper's Table 1 models
    python tools/analysis_tools/get_flops.py CONFIG [CONFIG ...] [--shape H W] [--parts]

The task comes from each config's ``default_scope``; the input is one ``3 x H x W`` image at the
config's native size (or ``--shape``). Counting rules (attention matmuls included):
:mod:`mmlife.analysis.complexity`.
"""
import argparse
import os.path as osp

from mmlife.analysis.complexity import complexity, table, table1

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', help='configs (default: the Table 1 models)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the config's native size)")
    parser.add_argument('--parts', action='store_true',
                        help='add params / GMACs of every part (backbone, encoder, head, ...)')
    args = parser.parse_args(argv)
    if not args.configs:
        print(table1(osp.join(REPO, 'configs', 'classification'), args.shape))
        return
    rows = [(osp.basename(c)[:-3], complexity(c, args.shape)) for c in args.configs]
    print(table(rows, parts=args.parts))


if __name__ == '__main__':
    main()
