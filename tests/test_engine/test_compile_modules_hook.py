"""CompileModulesHook / compile_modules: chosen submodules compiled in place, names unchanged."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.logging import MMLogger

from mmlife.engine import CompileModulesHook, compile_modules


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.GELU())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.backbone(x))


def test_compiled_in_place_with_the_same_outputs_and_state_dict():
    torch.manual_seed(0)
    model, x = Net(), torch.randn(3, 4)
    ref, keys = model(x), list(model.state_dict())
    assert compile_modules(model, ['backbone', 'backbone.0'], backend='eager') == [
        'backbone', 'backbone.0']
    assert model.backbone._compiled_call_impl is not None
    assert model.head._compiled_call_impl is None
    assert list(model.state_dict()) == keys  # checkpoints keep their keys
    torch.testing.assert_close(model(x), ref, rtol=0, atol=0)
    assert compile_modules(model, ['backbone'], backend='eager') == []  # already compiled


@pytest.mark.parametrize('names, match', [
    (['neck'], "Net has no submodule 'neck' to compile; its children: backbone, head"),
    ('backbone', 'must be a list of submodule names'),
    ([''], 'must be a list of submodule names'),
])
def test_bad_names(names, match):
    with pytest.raises(ValueError, match=match):
        compile_modules(Net(), names)


def _runner(model, **cfg):
    return SimpleNamespace(model=model, cfg=ConfigDict(cfg),
                           logger=MMLogger.get_instance('test_compile_modules_hook'))


def test_hook_reads_the_config():
    model = Net()
    CompileModulesHook().before_run(_runner(model))  # no compile_modules: nothing
    CompileModulesHook().before_run(_runner(model, compile_modules=[]))
    assert model.backbone._compiled_call_impl is None
    hook = CompileModulesHook(backend='eager')
    assert hook.compile_kwargs == dict(dynamic=False, backend='eager')
    hook.before_run(_runner(model, compile_modules=['head']))
    assert model.head._compiled_call_impl is not None
    assert model.backbone._compiled_call_impl is None


def test_detection_runtime_has_the_hook_off():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/detection/_base_/default_runtime.py')
    assert dict(type='CompileModulesHook') in cfg.custom_hooks
    assert cfg.compile_modules == []
