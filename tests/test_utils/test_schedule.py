"""fit_warmup: the demo's warm-up + cosine schedule for any number of epochs >= 1."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import CosineAnnealingLR, LinearLR

from mmlife.utils.schedule import fit_warmup

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'classification', 'demo', 'deit-tiny_p8_1xb32_digits-demo.py')
ITERS = 4  # iterations an epoch of the toy run


def run_schedule(param_scheduler, max_epochs, lr=1.0):
    """Build the schedulers as mmengine's Runner does and step them through ``max_epochs``
    epochs; the learning rate of every iteration."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    types = dict(LinearLR=LinearLR, CosineAnnealingLR=CosineAnnealingLR)
    schedulers = []
    for s in param_scheduler:
        s = dict(s)
        cls = types[s.pop('type')]
        if s.pop('convert_to_iter_based', False):
            schedulers.append(cls.build_iter_from_epoch(optimizer, epoch_length=ITERS, **s))
        else:
            schedulers.append(cls(optimizer, **s))
    lrs = []
    for _ in range(max_epochs):
        for _ in range(ITERS):
            lrs.append(optimizer.param_groups[0]['lr'])
            optimizer.step()
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    return lrs


@pytest.fixture(scope='module')
def demo_schedule():
    return Config.fromfile(DEMO).param_scheduler


def test_the_unfitted_schedule_fails_for_one_epoch(demo_schedule):
    """The bug: the demo's cosine would begin at the warm-up's end, epoch 1, and end there."""
    main = dict(demo_schedule[1], end=1)
    with pytest.raises(ValueError, match='end should be larger than begin'):
        run_schedule([demo_schedule[0], main], 1)


@pytest.mark.parametrize('epochs', [1, 2, 3, 15, 40])
def test_fitted_schedule_runs_and_decays(demo_schedule, epochs):
    fitted = fit_warmup(demo_schedule, epochs)
    lrs = run_schedule(fitted, epochs, lr=1.0)
    assert len(lrs) == epochs * ITERS
    eta_min = demo_schedule[1]['eta_min']
    warmup = min(demo_schedule[0]['end'], epochs - 1)
    if warmup:  # linear warm-up from start_factor, rising every iteration
        start = demo_schedule[0]['start_factor']
        assert lrs[0] == pytest.approx(start)
        ramp = lrs[:warmup * ITERS]
        assert all(a < b for a, b in zip(ramp, ramp[1:]))
    else:  # no warm-up: the cosine starts at the full lr
        assert lrs[0] == pytest.approx(1.0)
    assert lrs[warmup * ITERS] == pytest.approx(1.0)
    assert all(eta_min - 1e-9 <= lr <= 1.0 + 1e-9 for lr in lrs[warmup * ITERS:])
    if epochs - warmup > 1:  # per-epoch cosine: the last epoch is below the first
        assert lrs[-1] < lrs[warmup * ITERS]


def test_fit_warmup_values(demo_schedule):
    assert demo_schedule[0]['end'] == 1  # the demo's one-epoch warm-up
    one = fit_warmup(demo_schedule, 1)
    assert [s['type'] for s in one] == ['CosineAnnealingLR']
    assert (one[0]['begin'], one[0]['end']) == (0, 1)
    fifteen = fit_warmup(demo_schedule, 15)
    assert fifteen == [dict(demo_schedule[0]), dict(demo_schedule[1], end=15)]
    long_warmup = [dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5),
                   dict(type='CosineAnnealingLR', by_epoch=True, begin=5)]
    assert [(s.get('begin', 0), s['end']) for s in fit_warmup(long_warmup, 3)] == [(0, 2),
                                                                                   (2, 3)]
    assert [(s.get('begin', 0), s['end']) for s in fit_warmup(long_warmup, 300)] == [(0, 5),
                                                                                     (5, 300)]
    assert long_warmup[1] == dict(type='CosineAnnealingLR', by_epoch=True, begin=5)  # untouched


@pytest.mark.parametrize('epochs', [0, -1, 2.5])
def test_fit_warmup_refuses_bad_epochs(demo_schedule, epochs):
    with pytest.raises(ValueError, match='max_epochs must be an integer >= 1'):
        fit_warmup(demo_schedule, epochs)


def test_fit_warmup_refuses_other_schedules():
    cosine = dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=10)
    with pytest.raises(ValueError, match='list of two'):
        fit_warmup([cosine], 5)
    with pytest.raises(ValueError, match='main scheduler to begin at W'):
        fit_warmup([dict(type='LinearLR', end=2), dict(cosine, begin=3)], 5)
    with pytest.raises(ValueError, match='epoch-based'):
        fit_warmup([dict(type='LinearLR', end=2, by_epoch=False), dict(cosine, begin=2)], 5)
