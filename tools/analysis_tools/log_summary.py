"""Summarise mmengine JSON logs: last/best validation metric, step time, data time, throughput.

    python tools/analysis_tools/log_summary.py LOG.json [LOG.json ...] --metric accuracy/top1 \
        --batch-size 512 [--relative]

Step and data times are the means over all logged training iterations (mmengine logs the
average over each logging interval); images/s = batch size / mean step time (give the global
batch: per-GPU batch x GPUs). ``--relative`` adds each log's images/s over the first log's, e.g.
the speed-up of a 2-GPU run over a 1-GPU run.
"""
import argparse
import json


def summarise(path, metric, batch_size):
    train, val = [], []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if 'loss' in rec and 'time' in rec:
                train.append(rec)
            elif metric in rec:
                val.append(rec)
    if not train or not val:
        raise ValueError(f'{path}: no training lines or no {metric!r} lines')
    step = sum(r['time'] for r in train) / len(train)
    data = sum(r['data_time'] for r in train) / len(train)
    return dict(
        log=path, epochs=train[-1].get('epoch'), iters=train[-1]['iter'],
        last=val[-1][metric], best=max(r[metric] for r in val), step_s=step, data_s=data,
        img_per_s=batch_size / step if batch_size else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('logs', nargs='+')
    parser.add_argument('--metric', default='accuracy/top1')
    parser.add_argument('--batch-size', type=int, default=0,
                        help='images per iteration, over all GPUs (for img/s)')
    parser.add_argument('--relative', action='store_true',
                        help='add img/s relative to the first log (needs --batch-size)')
    args = parser.parse_args(argv)
    if args.relative and not args.batch_size:
        parser.error('--relative needs --batch-size')
    rel = ' x first |' if args.relative else ''
    print(f'| log | epochs | iters | last {args.metric} | best | step s | data s | img/s |{rel}')
    print('|---|---|---|---|---|---|---|---|' + ('---|' if args.relative else ''))
    rows = [summarise(path, args.metric, args.batch_size) for path in args.logs]
    for r in rows:
        ips = f"{r['img_per_s']:.0f}" if r['img_per_s'] else '-'
        ratio = f" {r['img_per_s'] / rows[0]['img_per_s']:.2f} |" if args.relative else ''
        print(f"| {r['log']} | {r['epochs']} | {r['iters']} | {r['last']:.2f} | {r['best']:.2f} | "
              f"{r['step_s']:.3f} | {r['data_s']:.3f} | {ips} |{ratio}")
    return rows


if __name__ == '__main__':
    main()
