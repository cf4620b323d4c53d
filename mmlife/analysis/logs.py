"""Reading mmengine training and test logs: run summaries, seed statistics, training curves.

Two kinds of log are read:

- the JSON log that mmengine's ``LoggerHook`` writes to
  ``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (one JSON object a line; train lines carry
  ``loss``, ``lr``, ``time``, ``data_time``, ``iter`` and, for epoch-based loops, ``epoch``;
  validation lines carry the metrics and ``step``): :func:`summarise`, :func:`read_log`,
  :func:`plot_curves`;
- the text log of ``tools/test.py`` (its last ``Epoch(test)`` / ``Iter(test)`` line holds the
  test metrics): :func:`read_metric`, :func:`seed_table`.

The scripts ``tools/analysis_tools/{log_summary,seed_summary,plot_curves}.py`` print / draw these.
"""
import json
import re
import statistics
from collections import defaultdict
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

_TEST_LINE = re.compile(r'(?:Epoch|Iter)\(test\)')


def _records(path: str) -> Iterable[dict]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


# ----------------------------------------------------------------------------------------------
# Run summary (speed and metric of a JSON log)
# ----------------------------------------------------------------------------------------------
def summarise(path: str, metric: Optional[str], batch_size: int = 0, skip: int = 0) -> dict:
    """Last and best validation ``metric``, mean step and data time, and images/s of a JSON log.

    Step and data times are the means over the logged training iterations (mmengine logs the
    average over each logging interval) after the first ``skip`` logged lines (warm-up:
    compilation, cuDNN autotuning, loader start); ``img_per_s`` = ``batch_size`` / mean step
    time (the global batch: per-GPU batch x GPUs), None without ``batch_size``. With ``metric``
    None only the speed is summarised (``last`` and ``best`` are None), for a run without
    validation.
    """
    if skip < 0:
        raise ValueError(f'skip must be >= 0, got {skip}')
    train, val = [], []
    for rec in _records(path):
        if 'loss' in rec and 'time' in rec:
            train.append(rec)
        elif metric is not None and metric in rec:
            val.append(rec)
    timed = train[skip:]
    if not timed:
        raise ValueError(f'{path}: no training lines' + (f' after the first {skip}' if skip else ''))
    if metric is not None and not val:
        raise ValueError(f'{path}: no {metric!r} lines')
    step = sum(r['time'] for r in timed) / len(timed)
    data = sum(r['data_time'] for r in timed) / len(timed)
    return dict(
        log=path, epochs=train[-1].get('epoch'), iters=train[-1]['iter'],
        last=val[-1][metric] if val else None, best=max(r[metric] for r in val) if val else None,
        step_s=step, data_s=data, img_per_s=batch_size / step if batch_size else None)


def summary_table(rows: Sequence[dict], metric: Optional[str], relative: bool = False) -> str:
    """A Markdown table of :func:`summarise` results; ``relative`` adds each row's images/s
    over the first row's (e.g. the speed-up of a 2-GPU run over a 1-GPU run)."""
    if relative and not all(r['img_per_s'] for r in rows):
        raise ValueError('relative images/s need the batch size')
    rel = ' x first |' if relative else ''
    lines = [f'| log | epochs | iters | last {metric or "metric"} | best | step s | data s | img/s |'
             f'{rel}', '|---|---|---|---|---|---|---|---|' + ('---|' if relative else '')]

    def num(value):
        return '-' if value is None else f'{value:.2f}'

    for r in rows:
        ips = f"{r['img_per_s']:.0f}" if r['img_per_s'] else '-'
        ratio = f" {r['img_per_s'] / rows[0]['img_per_s']:.2f} |" if relative else ''
        lines.append(f"| {r['log']} | {r['epochs']} | {r['iters']} | {num(r['last'])} | "
                     f"{num(r['best'])} | {r['step_s']:.3f} | {r['data_s']:.3f} | {ips} |{ratio}")
    return '\n'.join(lines)


# ----------------------------------------------------------------------------------------------
# Test metrics over seeds
# ----------------------------------------------------------------------------------------------
def read_metric(path: str, metric: str) -> float:
    """The ``metric`` of the last test line of a ``tools/test.py`` log."""
    with open(path) as f:
        lines = [line for line in f if _TEST_LINE.search(line)]
    found = re.search(rf'(?:^|\s){re.escape(metric)}: (-?[\d.]+)', lines[-1]) if lines else None
    if found is None:
        raise ValueError(f'{path}: no test line with {metric!r}')
    return float(found.group(1))


def _row(name: str, values: Sequence[float], signed: bool = False) -> str:
    """A table row: the values, their mean and sample std (differences shown with a sign)."""
    fmt = '+.2f' if signed else '.2f'
    std = f'{statistics.stdev(values):.2f}' if len(values) > 1 else '-'
    shown = ', '.join(f'{v:{fmt}}' for v in values)
    return f'| {name} | {len(values)} | {shown} | {statistics.mean(values):{fmt}} | {std} |'


def seed_table(arms: Mapping[str, Sequence[float]], metric: str) -> str:
    """Per arm: the runs' values, mean and sample std; then, for each later arm, its per-seed
    differences to the first arm (runs paired in the order given), with their mean and std.

    An arm with another number of runs than the first is said not to be paired.
    """
    if not arms:
        raise ValueError('give at least one arm')
    lines = [f'| arm | runs | {metric} per run | mean | std |', '|---|---|---|---|---|']
    lines += [_row(name, values) for name, values in arms.items()]
    (first, base), *others = arms.items()
    for name, values in others:
        if len(values) != len(base):
            lines.append(f'({name} has {len(values)} runs, {first} {len(base)}: not paired)')
            continue
        lines.append(_row(f'diff {name} - {first}', [v - b for v, b in zip(values, base)],
                          signed=True))
    return '\n'.join(lines)


# ----------------------------------------------------------------------------------------------
# Training curves
# ----------------------------------------------------------------------------------------------
def read_log(paths: Sequence[str]) -> Tuple[Dict[int, List[float]], Dict[int, dict], str]:
    """``(train {epoch or iteration: [loss]}, val {step: {metric: value}}, x unit)`` of one or
    more JSON logs of one run (e.g. resumed); the unit is ``'epoch'`` for epoch-based loops,
    else ``'iteration'``."""
    train, val, unit = defaultdict(list), {}, 'iteration'
    for path in paths:
        for rec in _records(path):
            if 'loss' in rec and 'lr' in rec:
                if 'epoch' in rec:
                    unit = 'epoch'
                train[rec.get('epoch', rec.get('iter'))].append(rec['loss'])
            elif 'step' in rec:
                val[rec['step']] = rec
    return train, val, unit


def plot_curves(runs: Mapping[str, Sequence[str]], metric: str, out: str,
                title: Optional[str] = None) -> None:
    """Train loss and validation ``metric`` against epoch (or iteration), one line per run,
    written to ``out`` (PNG). ``runs``: label -> JSON logs of that run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_metric) = plt.subplots(1, 2, figsize=(11, 4))
    units = set()
    try:
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
    finally:
        plt.close(fig)
