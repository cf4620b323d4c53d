"""Plot training curves from mmengine JSON logs: train loss and a validation metric vs epoch.

    python tools/analysis_tools/plot_curves.py LOG.json [LOG.json ...] --labels DeiT-T DeiT-T-LIFE \
        --metric accuracy/top1 --out docs/figures/cifar10_curves.png

LOG.json is the ``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` that mmengine's LoggerHook
writes. Iteration-based runs are plotted against the iteration. Several logs of one run (resumed)
may be given with the same label: their points are merged. See
:func:`mmlife.analysis.logs.plot_curves`.
"""
import argparse
from collections import defaultdict

from mmlife.analysis.logs import plot_curves


def main(argv=None):
    parser = argparse.ArgumentParser(description='Plot loss and metric curves from mmengine logs')
    parser.add_argument('logs', nargs='+', help='mmengine JSON logs')
    parser.add_argument('--labels', nargs='+', help='one label per log (repeat to merge logs)')
    parser.add_argument('--metric', default='accuracy/top1')
    parser.add_argument('--title')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    labels = args.labels or args.logs
    if len(labels) != len(args.logs):
        parser.error('give one label per log')
    runs = defaultdict(list)
    for label, path in zip(labels, args.logs):
        runs[label].append(path)
    plot_curves(runs, args.metric, args.out, args.title)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
