"""Mean and spread of a test metric over seeds, per arm, and the paired differences between arms.

    python tools/analysis_tools/seed_summary.py --metric mIoU \
        --arm DeiT-T docs/logs/camvid/camvid_deit-tiny{,_seed1,_seed2}/test.log \
        --arm DeiT-T-LIFE docs/logs/camvid/camvid_deit-tiny-life{,_seed1,_seed2}/test.log

Each file is a ``tools/test.py`` log; the value is read from its last ``Epoch(test)`` /
``Iter(test)`` line. The runs of every arm pair up with those of the first arm in the order given
(give the seeds in the same order), and each later arm gets a row of its per-seed differences to
the first, with their mean and sample standard deviation.
"""
import argparse
import re
import statistics

_TEST_LINE = re.compile(r'(?:Epoch|Iter)\(test\)')


def read_metric(path, metric):
    """The ``metric`` of the last test line of a ``tools/test.py`` log."""
    with open(path) as f:
        lines = [line for line in f if _TEST_LINE.search(line)]
    found = re.search(rf'(?:^|\s){re.escape(metric)}: (-?[\d.]+)', lines[-1]) if lines else None
    if found is None:
        raise ValueError(f'{path}: no test line with {metric!r}')
    return float(found.group(1))


def _row(name, values, signed=False):
    """A table row: the values, their mean and sample std (differences shown with a sign)."""
    fmt = '+.2f' if signed else '.2f'
    std = f'{statistics.stdev(values):.2f}' if len(values) > 1 else '-'
    shown = ', '.join(f'{v:{fmt}}' for v in values)
    return f'| {name} | {len(values)} | {shown} | {statistics.mean(values):{fmt}} | {std} |'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arm', nargs='+', action='append', required=True,
                        metavar=('NAME', 'TEST_LOG'),
                        help='an arm: its name, then its runs\' test logs (one per seed)')
    parser.add_argument('--metric', default='accuracy/top1')
    args = parser.parse_args(argv)
    arms = {}
    for name, *logs in args.arm:
        if not logs:
            parser.error(f'--arm {name}: give at least one test log')
        arms[name] = [read_metric(path, args.metric) for path in logs]
    print(f'| arm | runs | {args.metric} per run | mean | std |')
    print('|---|---|---|---|---|')
    for name, values in arms.items():
        print(_row(name, values))
    (first, base), *others = arms.items()
    for name, values in others:
        if len(values) != len(base):
            print(f'({name} has {len(values)} runs, {first} {len(base)}: not paired)')
            continue
        print(_row(f'diff {name} - {first}', [v - b for v, b in zip(values, base)], signed=True))
    return arms


if __name__ == '__main__':
    main()
