"""Test-only hook: each rank writes a digest of its model parameters after training."""
import hashlib
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class ParamDigestHook(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        h = hashlib.sha256()
        for name, p in sorted(model.state_dict().items()):
            h.update(name.encode())
            h.update(p.detach().cpu().to(torch.float64).numpy().tobytes())
        with open(osp.join(self.out_dir, f'rank{get_rank()}.txt'), 'w') as f:
            f.write(h.hexdigest())
