"""DeferredRuntimeInfoHook: the same logs, message hub and checkpoints as mmengine's
RuntimeInfoHook, with the losses handed over only where something reads them."""
import glob
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from conftest import write_tiny_config
from mmlife.engine import DeferredRuntimeInfoHook

TINY = """
model = dict(
    backbone=dict(arch=dict(
        _delete_=True, embed_dims=24, num_layers=2, num_heads=2, feedforward_channels=48)),
    head=dict(in_channels=24))"""
# 8 training images at batch 2: epochs of 4 iterations, logged at the 3rd of each; a checkpoint
# every 5 iterations, where the deferred hook has iterations pending
EXTRA = """
default_hooks = dict(logger=dict(interval=3),
                     checkpoint=dict(interval=5, by_epoch=False, save_best=None))
train_cfg = dict(max_epochs=3)
"""


class HistoryLength(Hook):
    """Records the length of the message hub's loss history after every iteration's hooks."""
    priority = 'LOWEST'

    def __init__(self):
        self.lengths = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        scalars = runner.message_hub.log_scalars
        self.lengths.append(len(scalars['train/loss'].data[0]) if 'train/loss' in scalars
                            else 0)


def train(cfg_file, work_dir, runtime_info):
    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.runtime_info = dict(type=runtime_info)
    cfg.experiment_name = f'runtime_info_{runtime_info}'
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    lengths = HistoryLength()
    runner.register_hook(lengths)
    runner.train()
    [scalars] = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    timing = {'time', 'data_time', 'eta', 'memory'}
    logs = [{k: v for k, v in json.loads(line).items() if k not in timing}
            for line in open(scalars)]
    ckpt = torch.load(osp.join(work_dir, 'iter_5.pth'), map_location='cpu', weights_only=False)
    hub = ckpt['message_hub']['log_scalars']
    weights = {k: v.clone() for k, v in runner.model.state_dict().items()}
    return logs, hub, weights, lengths.lengths


def test_same_logs_checkpoints_and_weights_as_stock(tmp_path, tiny_folder):
    cfg = write_tiny_config(tmp_path, tiny_folder, model=TINY, extra=EXTRA)
    stock = train(cfg, tmp_path / 'stock', 'RuntimeInfoHook')
    deferred = train(cfg, tmp_path / 'deferred', 'DeferredRuntimeInfoHook')

    stock_logs, stock_hub, stock_weights, stock_lengths = stock
    logs, hub, weights, lengths = deferred
    assert len(stock_logs) == 3 and 'loss' in stock_logs[0]  # iterations 3, 7, 11
    assert logs == stock_logs
    # the checkpoint after iteration 5 holds all five losses (one was pending when it was saved)
    assert len(stock_hub['train/loss'].data[0]) == 5
    assert (hub['train/loss'].data[0] == stock_hub['train/loss'].data[0]).all()
    assert all(torch.equal(stock_weights[k], weights[k]) for k in stock_weights)
    # stock: one more loss in the hub every iteration; deferred: only at the logged
    # iterations (every 3rd of an epoch: 3, 7, 11), at each epoch's end (4, 8, 12) and at the
    # checkpoints (5, 10)
    assert stock_lengths == list(range(1, 13))
    assert lengths == [0, 0, 3, 4, 5, 5, 7, 8, 8, 10, 11, 12]


def test_bad_input():
    with pytest.raises(ValueError, match='max_pending must be a positive int'):
        DeferredRuntimeInfoHook(max_pending=0)
    hook = DeferredRuntimeInfoHook(max_pending=1)
    runner = SimpleNamespace(message_hub=MessageHub.get_instance('deferred_bad_input'),
                             train_dataloader=[0] * 4, iter=0, max_iters=8)
    with pytest.raises(ValueError, match='must have one element'):
        hook.after_train_iter(runner, 0, outputs=dict(loss=torch.ones(2)))


def test_integer_and_float_values_keep_their_type():
    hook = DeferredRuntimeInfoHook(max_pending=2)
    hub = MessageHub.get_instance('deferred_types')
    runner = SimpleNamespace(message_hub=hub, train_dataloader=[0] * 10, iter=0, max_iters=20)
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.25), n=torch.tensor(3),
                                                  lr=1e-3))
    assert 'train/loss' not in hub.log_scalars  # pending
    runner.iter = 1
    hook.after_train_iter(runner, 1, outputs=dict(loss=torch.tensor(0.5, dtype=torch.float64),
                                                  n=torch.tensor(4), lr=2e-3))
    assert list(hub.log_scalars['train/loss'].data[0]) == [0.25, 0.5]
    assert list(hub.log_scalars['train/n'].data[0]) == [3, 4]
    assert list(hub.log_scalars['train/lr'].data[0]) == [1e-3, 2e-3]
