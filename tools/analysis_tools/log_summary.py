"""Summarise mmengine JSON logs: last/best validation metric, step time, data time, throughput.

    python tools/analysis_tools/log_summary.py LOG.json [LOG.json ...] --metric accuracy/top1 \
        --batch-size 512 [--relative] [--skip 5] [--no-metric]

images/s = batch size / mean step time (give the global batch: per-GPU batch x GPUs).
``--relative`` adds each log's images/s over the first log's, e.g. the speed-up of a 2-GPU run
over a 1-GPU run. ``--skip N`` leaves the first N logged training lines (warm-up) out of the
times; ``--no-metric`` summarises the speed of a run that never validated. See :func:`mmlife.analysis.logs.summarise`.
"""
import argparse

from mmlife.analysis.logs import summarise, summary_table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('logs', nargs='+')
    parser.add_argument('--metric', default='accuracy/top1')
    parser.add_argument('--batch-size', type=int, default=0,
                        help='images per iteration, over all GPUs (for img/s)')
    parser.add_argument('--no-metric', action='store_true',
                        help='speed only, for a run without validation lines')
    parser.add_argument('--skip', type=int, default=0,
                        help='leave the first SKIP logged training lines (warm-up) out')
    parser.add_argument('--relative', action='store_true',
                        help='add img/s relative to the first log (needs --batch-size)')
    args = parser.parse_args(argv)
    if args.relative and not args.batch_size:
        parser.error('--relative needs --batch-size')
    if args.skip < 0:
        parser.error('--skip must be >= 0')
    metric = None if args.no_metric else args.metric
    rows = [summarise(path, metric, args.batch_size, args.skip) for path in args.logs]
    print(summary_table(rows, metric, args.relative))


if __name__ == '__main__':
    main()
