"""mmlife.engine.EagerOptimizerStepHook: mmengine's ``compile`` trains a LIFE config."""
import math

import torch

from mmlife.analysis import benchmark as bench
from mmlife.engine import EagerOptimizerStepHook


def test_compile_true_trains_a_life_config_on_cpu(tmp_path):
    # the DeiT-T-LIFE CIFAR-10 config (1 layer, 16 px) through mmengine's Runner with
    # compile=dict(backend='aot_eager'): without the hook dynamo fails inside AdamW.step on
    # the optimizer's ConfigDict parameter groups
    args = bench.parse_args(['--device', 'cpu', '--smoke', '--modes', 'e2e', '--e2e-workers',
                             '0', '--e2e-compile', '--compile-backend', 'aot_eager'])
    runner = bench.build_e2e_runner(bench.E2E_CONFIGS[1], args, torch.device('cpu'),
                                    str(tmp_path))
    assert runner.cfg.compile == dict(backend='aot_eager', mode=None)
    assert any(isinstance(h, EagerOptimizerStepHook) for h in runner.hooks)
    before = [p.detach().clone() for p in runner.model.parameters()]
    runner.train()
    assert runner.optim_wrapper._mmlife_eager_update
    assert runner.iter == 3
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)
    after = list(runner.model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))  # it did train


def test_hook_does_nothing_without_compile():
    class Wrapper:
        def update_params(self, loss):
            return loss

    class Runner:
        cfg = dict(compile=None)
        optim_wrapper = Wrapper()

    runner = Runner()
    original = runner.optim_wrapper.update_params
    EagerOptimizerStepHook().before_train(runner)
    assert runner.optim_wrapper.update_params == original
    runner.cfg = dict(compile=True)
    EagerOptimizerStepHook().before_train(runner)
    assert runner.optim_wrapper.update_params != original
    assert runner.optim_wrapper.update_params(3) == 3
