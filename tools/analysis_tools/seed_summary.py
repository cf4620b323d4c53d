"""Mean and spread of a test metric over seeds, per arm, and the paired differences between arms.

    python tools/analysis_tools/seed_summary.py --metric mIoU \
        --arm DeiT-T docs/logs/camvid/camvid_deit-tiny{,_seed1,_seed2}/test.log \
        --arm DeiT-T-LIFE docs/logs/camvid/camvid_deit-tiny-life{,_seed1,_seed2}/test.log

Each file is a ``tools/test.py`` log; the value is read from its last ``Epoch(test)`` /
``Iter(test)`` line. The runs of every arm pair up with those of the first arm in the order given
(give the seeds in the same order). See :func:`mmlife.analysis.logs.seed_table`.
"""
import argparse

from mmlife.analysis.logs import read_metric, seed_table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arm', nargs='+', action='append', required=True,
                        metavar=('NAME', 'TEST_LOG'),
                        help="an arm: its name, then its runs' test logs (one per seed)")
    parser.add_argument('--metric', default='accuracy/top1')
    args = parser.parse_args(argv)
    arms = {}
    for name, *logs in args.arm:
        if not logs:
            parser.error(f'--arm {name}: give at least one test log')
        arms[name] = [read_metric(path, args.metric) for path in logs]
    print(seed_table(arms, args.metric))


if __name__ == '__main__':
    main()
