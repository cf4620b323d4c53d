"""Plot training curves from mmengine JSON logs: train loss and a validation metric vs epoch.

    python tools/analysis_tools/plot_curves.py LOG.json [LOG.json ...] --labels DeiT-T DeiT-T-LIFE \
        --metric accuracy/top1 --out docs/figures/cifar10_curves.png

LOG.json is the ``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` that mmengine's LoggerHook
writes (one JSON object per line). Train lines carry ``epoch``/``iter``/``loss``; validation lines
carry the metric and ``step`` (the epoch for epoch-based loops). Iteration-based runs are plotted
against ``step``/``iter`` instead. Several logs of one run (resumed) may be given with the same label:
their points are merged.
"""
import argparse
import json
from collections import defaultdict


def read_log(paths):
    """Return (train {epoch or iteration: [loss]}, val {step: {metric: value}}, x unit) from one
    or more JSON logs; the unit is 'epoch' for epoch-based loops, else 'iteration'."""
    train, val, unit = defaultdict(list), {}, 'iteration'
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                if 'loss' in rec and 'lr' in rec:
                    if 'epoch' in rec:
                        unit = 'epoch'
                    train[rec.get('epoch', rec.get('iter'))].append(rec['loss'])
                elif 'step' in rec:
                    val[rec['step']] = rec
    return train, val, unit


def plot(runs, metric, out, title=None):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_metric) = plt.subplots(1, 2, figsize=(11, 4))
    units = set()
    for label, paths in runs.items():
        train, val, unit = read_log(paths)
        units.add(unit)
        if len(units) > 1:
            raise ValueError('cannot plot epoch-based and iteration-based logs on one axis')
        epochs = sorted(train)
        ax_loss.plot(epochs, [sum(train[e]) / len(train[e]) for e in epochs], label=label)
        steps = sorted(s for s in val if metric in val[s])
        if not steps:
            raise ValueError(f'no {metric!r} in {paths}; metrics there: '
                             f'{sorted({k for v in val.values() for k in v})}')
        ax_metric.plot(steps, [val[s][metric] for s in steps], marker='.', label=label)
    unit = units.pop()
    ax_loss.set_xlabel(unit)
    ax_loss.set_ylabel('train loss (mean over logged iterations)' if unit == 'epoch'
                       else 'train loss (logged iterations)')
    ax_metric.set_xlabel(unit)
    ax_metric.set_ylabel(metric)
    for ax in (ax_loss, ax_metric):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f'wrote {out}')


def main():
    parser = argparse.ArgumentParser(description='Plot loss and metric curves from mmengine logs')
    parser.add_argument('logs', nargs='+', help='mmengine JSON logs')
    parser.add_argument('--labels', nargs='+', help='one label per log (repeat to merge logs)')
    parser.add_argument('--metric', default='accuracy/top1')
    parser.add_argument('--title')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    labels = args.labels or args.logs
    if len(labels) != len(args.logs):
        parser.error('give one label per log')
    runs = defaultdict(list)
    for label, path in zip(labels, args.logs):
        runs[label].append(path)
    plot(runs, args.metric, args.out, args.title)


if __name__ == '__main__':
    main()
