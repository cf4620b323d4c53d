"""Where the time of mmengine's training iteration goes, phase by phase, under ``torch.profiler``.

:func:`annotated_phases` wraps the pieces of a built :class:`~mmengine.runner.Runner`'s training
iteration in ``torch.profiler.record_function`` ranges, as instance attributes that it removes
again on exit (the classes are not touched):

==================  ===========================================================================
iteration           ``train_loop.run_iter``: hooks before and after, and ``model.train_step``
data_preprocessor   ``model.data_preprocessor`` (to the device, normalize, batch augments such
                    as Mixup / CutMix)
forward+loss        ``model._run_forward(data, mode='loss')`` (backbone, neck, head and losses)
parse_losses        ``model.parse_losses`` (sum of the losses, the log variables)
backward            ``optim_wrapper.backward`` (loss scaling under AMP)
optimizer step      ``optim_wrapper.step`` (gradient clipping, unscaling, ``optimizer.step``)
zero_grad           ``optim_wrapper.zero_grad``
hooks               ``runner.call_hook``, every hook point inside the iteration
==================  ===========================================================================

The loop's wait for the next batch falls outside ``iteration`` (mmengine's ``data_time``).
:func:`phase_summary` turns a profile of ``iters`` such iterations into host milliseconds per
iteration for each phase, the number of aten ops each phase calls from Python (its own, not
those of a phase inside it), the device time of all kernels and the ops with the most host time.
``mmlife.analysis.benchmark --modes e2e --e2e-profile FILE`` runs it on the Runner of
``tools/train.py``.
"""
import contextlib
import functools
import types
import warnings
from typing import Dict, Iterator, List

import torch
from torch.autograd import DeviceType
from torch.profiler import record_function

#: the record_function labels, in the order of the summary tables
PHASES = ('iteration', 'data_preprocessor', 'forward+loss', 'parse_losses', 'backward',
          'optimizer step', 'zero_grad', 'hooks')


def _targets(runner) -> List[tuple]:
    from mmengine.model import is_model_wrapper
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    optim = runner.optim_wrapper
    return [(runner.train_loop, 'run_iter', 'iteration'),
            (model.data_preprocessor, 'forward', 'data_preprocessor'),
            (model, '_run_forward', 'forward+loss'),
            (model, 'parse_losses', 'parse_losses'),
            (optim, 'backward', 'backward'),
            (optim, 'step', 'optimizer step'),
            (optim, 'zero_grad', 'zero_grad'),
            (runner, 'call_hook', 'hooks')]


def _annotated(fn, label):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with record_function(label):
            return fn(*args, **kwargs)
    return wrapper


@contextlib.contextmanager
def annotated_phases(runner) -> Iterator[None]:
    """Within the block, the phases of :data:`PHASES` run inside ``record_function`` ranges of
    those names. ``runner`` must have built its train loop (call it from a hook, or after
    ``runner.train()`` has started)."""
    if isinstance(getattr(runner, '_train_loop', None), dict):
        raise RuntimeError('the runner has not built its train loop yet: annotate from a hook '
                           'during training')
    wrapped = []
    try:
        for owner, name, label in _targets(runner):
            if name in vars(owner):
                raise RuntimeError(f'{type(owner).__name__}.{name} is already wrapped')
            setattr(owner, name, _annotated(getattr(owner, name), label))
            wrapped.append((owner, name))
        yield
    finally:
        for owner, name in wrapped:
            delattr(owner, name)


@contextlib.contextmanager
def count_cuda_syncs(enabled: bool = True) -> Iterator[types.SimpleNamespace]:
    """Within the block, CUDA's sync debug mode reports every device sync (a call that stops
    the host until the GPU has caught up) as a warning, from any thread; the yielded object's
    ``count`` holds their number after the block. ``enabled=False`` switches nothing on (the
    count stays 0)."""
    result = types.SimpleNamespace(count=0)
    with warnings.catch_warnings(record=True) as caught:
        if enabled:
            warnings.simplefilter('always')
            torch.cuda.set_sync_debug_mode('warn')
        try:
            yield result
        finally:
            if enabled:
                torch.cuda.set_sync_debug_mode('default')
    result.count = sum('synchroniz' in str(w.message) for w in caught)


def phase_summary(prof, iters: int, top: int = 12) -> Dict[str, object]:
    """Host ms per iteration of every phase (counted inside the ``iteration`` ranges only), the
    device ms per iteration of all kernels, and the ``top`` aten ops by host (self CPU) time,
    from a finished ``torch.profiler.profile`` of ``iters`` iterations."""
    if iters < 1:
        raise ValueError(f'iters must be >= 1, got {iters}')
    events = prof.key_averages()
    # the phases inside the iterations only: the loop also calls hooks between epochs and
    # after training, which are no part of an iteration
    totals: Dict[str, List[float]] = {}
    for e in prof.events():
        if e.name in PHASES and e.device_type == DeviceType.CPU and _in_iteration(e):
            total = totals.setdefault(e.name, [0., 0])
            total[0] += e.cpu_time_total
            total[1] += 1
    phases = {k: dict(host_ms=us / 1e3 / iters, calls=n / iters, aten_calls=0.)
              for k, (us, n) in totals.items()}
    for phase, n in _top_level_aten_calls(prof.events()).items():
        if phase in phases:
            phases[phase]['aten_calls'] = n / iters
    # the kernels (and memcpys) themselves: an aten op's device time is that of the kernels it
    # launched, so counting both would count each kernel twice
    device_us = sum(e.self_device_time_total for e in events if e.device_type != DeviceType.CPU)
    ops = sorted((e for e in events if e.key.startswith('aten::')),
                 key=lambda e: e.self_cpu_time_total, reverse=True)[:top]
    return dict(
        iters=iters,
        phases={k: phases[k] for k in PHASES if k in phases},
        device_ms=device_us / 1e3 / iters,
        aten_calls=sum(e.count for e in events if e.key.startswith('aten::')) / iters,
        top_ops=[dict(op=e.key, host_ms=e.self_cpu_time_total / 1e3 / iters,
                      calls=e.count / iters) for e in ops])


def _top_level_aten_calls(events) -> Dict[str, int]:
    """The aten ops called from Python (not from inside another aten op), counted under the
    innermost phase that encloses each, where that phase runs inside an iteration: on a GPU each
    costs host time and most launch kernels."""
    counts: Dict[str, int] = {}
    for e in events:
        if not e.name.startswith('aten::'):
            continue
        parent = e.cpu_parent
        while parent is not None and parent.name not in PHASES:
            if parent.name.startswith('aten::'):
                break  # called by another aten op
            parent = parent.cpu_parent
        if parent is not None and parent.name in PHASES and _in_iteration(parent):
            counts[parent.name] = counts.get(parent.name, 0) + 1
    return counts


def _in_iteration(event) -> bool:
    """Whether a profiler event is an ``iteration`` range or runs inside one."""
    while event is not None:
        if event.name == 'iteration':
            return True
        event = event.cpu_parent
    return False


def summary_text(name: str, summary: Dict[str, object]) -> str:
    """A Markdown table of :func:`phase_summary`."""
    lines = [f"{name}: {summary['iters']} profiled iterations; device (all kernels) "
             f"{summary['device_ms']:.2f} ms, {summary['aten_calls']:.0f} aten calls an iteration",
             '', '| phase | host ms / iteration | calls / iteration | aten ops from Python '
             '/ iteration |', '|---|---|---|---|']
    lines += [f"| {k} | {v['host_ms']:.2f} | {v['calls']:.0f} | {v['aten_calls']:.0f} |"
              for k, v in summary['phases'].items()]
    lines += ['', '| aten op (most host time) | host ms / iteration | calls / iteration |',
              '|---|---|---|']
    lines += [f"| {o['op']} | {o['host_ms']:.2f} | {o['calls']:.1f} |"
              for o in summary['top_ops']]
    return '\n'.join(lines) + '\n'
