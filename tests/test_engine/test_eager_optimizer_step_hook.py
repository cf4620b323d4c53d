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


def test_hook_lets_dynamo_trace_mmengine_autocast(monkeypatch):
    # --amp's context (mmengine.runner.amp.autocast) checks torch's version inside the compiled
    # train_step; dynamo (torch 2.11) fails on packaging's parse of torch.__version__, a str
    # subclass, so the hook hands mmengine a plain str of the same version
    from mmengine.runner import amp
    monkeypatch.setattr(amp, 'TORCH_VERSION', torch.__version__)  # as mmengine sets it

    class Runner:
        cfg = dict(compile=None)
        optim_wrapper = type('Wrapper', (), {'update_params': lambda self, loss: loss})()

    EagerOptimizerStepHook().before_train(Runner())
    assert amp.TORCH_VERSION is torch.__version__  # untouched without compile
    Runner.cfg = dict(compile=True)
    EagerOptimizerStepHook().before_train(Runner())
    assert type(amp.TORCH_VERSION) is str and amp.TORCH_VERSION == torch.__version__

    def step(x):
        with amp.autocast(device_type='cpu', dtype=torch.bfloat16):
            return (x @ x).float().sum()

    x = torch.randn(4, 4)
    compiled = torch.compile(step, backend='eager', fullgraph=True)
    assert torch.equal(compiled(x), step(x))
