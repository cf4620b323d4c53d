"""mmlife.analysis.runner_profile: the Runner's phases annotated and put back; the summary of a
profile (the whole Runner under the profiler: tests/test_analysis/test_benchmark.py, e2e)."""
import pytest
import torch
from torch.profiler import ProfilerActivity, profile, record_function

from mmlife.analysis.runner_profile import (PHASES, annotated_phases, phase_summary,
                                            summary_text)


class _Stub:
    """Stands in for the objects whose methods a Runner's iteration calls: each method does a
    little tensor work."""

    def __init__(self, **attrs):
        vars(self).update(attrs)

    def _work(self, *args, **kwargs):
        return torch.ones(4).add(1).sum()

    forward = _run_forward = parse_losses = backward = step = zero_grad = call_hook = _work


class _Loop(_Stub):
    """Stands in for the train loop: an iteration does its own tensor work, then calls the
    phases in the order of mmengine's ``run_iter`` (a hook point first and last)."""

    def run_iter(self):
        self._work()
        runner = self.runner
        runner.call_hook()
        runner.model.data_preprocessor.forward()
        runner.model._run_forward()
        runner.model.parse_losses()
        runner.optim_wrapper.backward()
        runner.optim_wrapper.step()
        runner.optim_wrapper.zero_grad()
        runner.call_hook()


def _runner():
    loop = _Loop()
    runner = _Stub(model=_Stub(data_preprocessor=_Stub()), optim_wrapper=_Stub(),
                   train_loop=loop, _train_loop=loop)
    loop.runner = runner
    return runner


def test_phases_are_annotated_and_put_back():
    runner = _runner()
    targets = [runner.train_loop, runner.model.data_preprocessor, runner.model,
               runner.optim_wrapper, runner]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with annotated_phases(runner):
            assert 'run_iter' in vars(runner.train_loop)
            runner.call_hook()  # before an epoch: outside the iterations, not counted
            for _ in range(3):
                runner.train_loop.run_iter()
            runner.call_hook()  # after the epoch
    assert all(not vars(t).keys() & {'run_iter', 'forward', '_run_forward', 'parse_losses',
                                     'backward', 'step', 'zero_grad', 'call_hook'}
               for t in targets)  # the methods are the classes' again
    summary = phase_summary(prof, iters=3)
    assert list(summary['phases']) == list(PHASES)
    assert summary['phases']['hooks']['calls'] == 2
    assert all(v['calls'] == 1 for k, v in summary['phases'].items() if k != 'hooks')
    assert summary['aten_calls'] > 0 and summary['device_ms'] == 0  # CPU: no kernels
    # ones, add, sum in every phase call; the iteration's own ones are outside the others
    assert summary['phases']['hooks']['aten_calls'] == 6
    assert all(v['aten_calls'] == 3 for k, v in summary['phases'].items() if k != 'hooks')
    # the phases are disjoint ranges inside the iterations
    phases = summary['phases']
    assert 0 < sum(phases[k]['host_ms'] for k in PHASES[1:]) <= phases['iteration']['host_ms']
    text = summary_text('stub', summary)
    assert '| optimizer step |' in text and 'stub: 3 profiled iterations' in text


def test_a_phase_raising_still_puts_the_methods_back():
    runner = _runner()
    with pytest.raises(ZeroDivisionError):
        with annotated_phases(runner):
            1 / 0
    assert 'run_iter' not in vars(runner.train_loop)


def test_bad_use_is_refused():
    runner = _runner()
    runner._train_loop = dict(type='IterBasedTrainLoop')  # not built yet
    with pytest.raises(RuntimeError, match='has not built its train loop'):
        with annotated_phases(runner):
            pass
    runner = _runner()
    with annotated_phases(runner):
        with pytest.raises(RuntimeError, match='already wrapped'):
            with annotated_phases(runner):
                pass
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function('iteration'):
            torch.ones(2).sum()
    with pytest.raises(ValueError, match='iters must be >= 1'):
        phase_summary(prof, 0)


def test_device_time_counts_each_kernel_once():
    """An aten op's device time is that of the kernels it launched: only kernels are summed."""
    from types import SimpleNamespace

    from torch.autograd import DeviceType

    def event(key, device_type, device_us):
        return SimpleNamespace(key=key, device_type=device_type, self_device_time_total=device_us,
                               cpu_time_total=1, self_cpu_time_total=1, count=1)

    events = [event('aten::mm', DeviceType.CPU, 300), event('sm90_gemm', DeviceType.CUDA, 300),
              event('aten::copy_', DeviceType.CPU, 20), event('Memcpy HtoD', DeviceType.CUDA, 20),
              event('iteration', DeviceType.CPU, 0)]
    prof = SimpleNamespace(key_averages=lambda: events, events=lambda: [])
    assert phase_summary(prof, iters=2)['device_ms'] == pytest.approx(0.16)


def test_count_cuda_syncs_counts_the_sync_warnings_of_the_block():
    import warnings

    from mmlife.analysis.runner_profile import count_cuda_syncs
    with count_cuda_syncs(enabled=False) as syncs:  # the mode itself needs CUDA
        warnings.warn('called a synchronizing CUDA operation')
        warnings.warn('called a synchronizing CUDA operation')
        warnings.warn('something else')
    assert syncs.count == 2
    with count_cuda_syncs(enabled=False) as syncs:
        pass
    assert syncs.count == 0
