r"""Remove the weight EMA from a checkpoint of an ``EMAHook`` run, to resume with a fresh one.

    python tools/model_converters/drop_ema.py WORK_DIR/epoch_184.pth WORK_DIR/epoch_184_no_ema.pth
    python tools/train.py CONFIG --work-dir WORK_DIR --resume WORK_DIR/epoch_184_no_ema.pth

The result's ``state_dict`` is the trained weights, with the optimizer, schedulers and counters
kept; resumed from it, ``EMAHook`` starts its average from the trained weights. Use it when the
EMA's settings change in the middle of a run (the old average would carry over otherwise).
Training never reads the average, so the trained weights go on as from the original checkpoint.
See :func:`mmlife.utils.convert.drop_ema`.
"""
import argparse

from mmlife.utils.convert import drop_ema_file


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint of an EMAHook run (with ema_state_dict)')
    parser.add_argument('dst', help='output checkpoint')
    args = parser.parse_args(argv)
    n = drop_ema_file(args.src, args.dst)
    print(f'{args.dst}: the trained weights ({n} tensors) and the training state, no EMA')
    return n


if __name__ == '__main__':
    main()
