"""ForeachExponentialMovingAverage against mmengine's ExponentialMovingAverage, step by step."""
import copy

import pytest
import torch
from mmengine.model import ExponentialMovingAverage
from torch import nn

from mmlife.engine import ForeachExponentialMovingAverage


def tiny_model():
    torch.manual_seed(0)
    # float and integer buffers (BatchNorm), parameters of several shapes
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 5))


def train_a_little(model, step):
    gen = torch.Generator().manual_seed(step)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.1)
    model.train()
    model(torch.randn(2, 3, 8, 8, generator=gen))  # moves BatchNorm's running statistics


@pytest.mark.parametrize('update_buffers', [False, True])
@pytest.mark.parametrize('interval', [1, 3])
def test_same_averages_as_the_stock_ema(update_buffers, interval):
    model = tiny_model()
    kwargs = dict(momentum=0.1, interval=interval, update_buffers=update_buffers)
    stock = ExponentialMovingAverage(copy.deepcopy(model), **kwargs)
    fast = ForeachExponentialMovingAverage(copy.deepcopy(model), **kwargs)
    for step in range(7):
        train_a_little(model, step)
        stock.update_parameters(model)
        fast.update_parameters(model)
        ref, got = stock.state_dict(), fast.state_dict()
        assert ref.keys() == got.keys()
        for name in ref:
            assert torch.equal(ref[name], got[name]), (step, name)
    # the average moved away from the first copy and is not the model itself
    weight = fast.module[0].weight
    assert not torch.equal(weight, model[0].weight)
    assert fast.steps == stock.steps == 7


def test_built_by_the_ema_hook_config():
    from mmengine.hooks import EMAHook
    hook = EMAHook(ema_type='ForeachExponentialMovingAverage', momentum=5e-4)
    runner = type('R', (), {'model': tiny_model()})()
    hook.before_run(runner)
    assert type(hook.ema_model) is ForeachExponentialMovingAverage
    assert hook.ema_model.momentum == 5e-4


def test_bad_momentum_is_refused_as_in_the_stock_ema():
    with pytest.raises(AssertionError, match='momentum'):
        ForeachExponentialMovingAverage(tiny_model(), momentum=1.5)
