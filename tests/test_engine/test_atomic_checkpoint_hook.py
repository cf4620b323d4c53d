"""The default checkpoint hook of the configs survives a kill at any point of a save.

A toy mmengine model trains for a few epochs with the checkpoint hook the classification
``default_runtime.py`` configures; a "kill" is simulated by making the file write or the rename
raise, and the work dir is then checked the way ``--resume`` uses it.
"""
import glob
import itertools
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.fileio import LocalBackend
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

import mmlife  # noqa: F401  (registers the hooks)
from conftest import REPO

_names = itertools.count()


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even ``except Exception``)."""


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else [out]


class RisingMetric(BaseMetric):
    """A metric that improves every evaluation, so every epoch is a new best."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        self.calls += 1
        return dict(acc=float(self.calls))


def default_checkpoint_type():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'classification', '_base_',
                                   'default_runtime.py'), import_custom_modules=False)
    return cfg.default_hooks.checkpoint.type


def make_runner(work_dir, max_epochs, resume=False, **checkpoint):
    data = [dict(inputs=torch.full((2, ), float(i))) for i in range(4)]
    loader = DataLoader(data, batch_size=2)
    val = dict(val_dataloader=DataLoader(data, batch_size=2), val_cfg=dict(),
               val_evaluator=[RisingMetric()]) if checkpoint.get('save_best') else {}
    return Runner(
        model=ToyModel(), work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)), resume=resume,
        default_hooks=dict(checkpoint=dict(type=default_checkpoint_type(), interval=1,
                                           **checkpoint), logger=None),
        experiment_name=f'atomic_ckpt_{next(_names)}', **val)


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def assert_resumable(work_dir, epoch):
    """``last_checkpoint`` names a complete checkpoint of ``epoch``, and --resume takes it."""
    ckpt = last_checkpoint(work_dir)
    assert osp.basename(ckpt) == f'epoch_{epoch}.pth' and osp.isfile(ckpt)
    assert torch.load(ckpt, map_location='cpu', weights_only=False)['meta']['epoch'] == epoch
    runner = make_runner(work_dir, max_epochs=epoch + 1, resume=True, max_keep_ckpts=1)
    runner.train()
    assert runner.epoch == epoch + 1


def test_every_config_uses_the_atomic_hook():
    every = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    assert not [c for c in every if "'CheckpointHook'" in open(c).read()]
    folders = {osp.dirname(c) for c in every if f'{osp.sep}_base_' not in c}
    assert len(folders) >= 7  # one config of each folder (they share the bases)
    for path in sorted(min(glob.glob(osp.join(f, '*.py'))) for f in folders):
        cfg = Config.fromfile(path, import_custom_modules=False)
        assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook', path
        if cfg.train_cfg.get('by_epoch', cfg.train_cfg.get('type') != 'IterBasedTrainLoop'):
            assert cfg.default_hooks.epoch_seed.type == 'EpochSeedHook', path


def test_kill_while_writing_keeps_previous_checkpoint(tmp_path, monkeypatch):
    make_runner(tmp_path, max_epochs=1, max_keep_ckpts=1).train()
    put = LocalBackend.put

    def half_written(self, obj, filepath):
        put(self, obj[:len(obj) // 2], filepath)  # the bytes written before the kill
        raise Killed

    monkeypatch.setattr(LocalBackend, 'put', half_written)
    with pytest.raises(Killed):
        make_runner(tmp_path, max_epochs=2, resume=True, max_keep_ckpts=1).train()
    monkeypatch.undo()
    assert not osp.exists(tmp_path / 'epoch_2.pth')  # no truncated file under a real name
    assert_resumable(tmp_path, 1)


def test_kill_before_rename_keeps_previous_checkpoint(tmp_path, monkeypatch):
    make_runner(tmp_path, max_epochs=1, max_keep_ckpts=1).train()

    def killed(src, dst):
        raise Killed

    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(Killed):
        make_runner(tmp_path, max_epochs=2, resume=True, max_keep_ckpts=1).train()
    monkeypatch.undo()
    assert_resumable(tmp_path, 1)
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]  # cleaned at restart


def test_kill_while_writing_last_checkpoint(tmp_path, monkeypatch):
    make_runner(tmp_path, max_epochs=1, max_keep_ckpts=1).train()
    replace = os.replace

    def killed_on_last_checkpoint(src, dst):
        if osp.basename(dst) == 'last_checkpoint':
            raise Killed
        replace(src, dst)

    monkeypatch.setattr(os, 'replace', killed_on_last_checkpoint)
    with pytest.raises(Killed):
        make_runner(tmp_path, max_epochs=2, resume=True, max_keep_ckpts=1).train()
    monkeypatch.undo()
    assert osp.isfile(tmp_path / 'epoch_2.pth')  # complete, but not yet named
    assert_resumable(tmp_path, 1)


def test_old_checkpoints_removed_after_new_one_is_complete(tmp_path, monkeypatch):
    removed = []
    remove = LocalBackend.remove

    def checked_remove(self, path):
        # when an old checkpoint goes, the newest one and last_checkpoint are complete
        newest = last_checkpoint(tmp_path)
        assert osp.isfile(newest) and newest != path
        torch.load(newest, map_location='cpu', weights_only=False)
        removed.append((osp.basename(path), osp.basename(newest)))
        remove(self, path)

    monkeypatch.setattr(LocalBackend, 'remove', checked_remove)
    make_runner(tmp_path, max_epochs=4, max_keep_ckpts=2).train()
    assert removed == [('epoch_1.pth', 'epoch_3.pth'), ('epoch_2.pth', 'epoch_4.pth')]
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth')) == [
        'epoch_3.pth', 'epoch_4.pth']
    assert osp.basename(last_checkpoint(tmp_path)) == 'epoch_4.pth'


def test_save_best_keeps_one_best(tmp_path, monkeypatch):
    removed = []
    remove = LocalBackend.remove

    def checked_remove(self, path):
        if osp.basename(path).startswith('best_'):
            best = sorted(f for f in os.listdir(tmp_path) if f.startswith('best_'))
            assert len(best) == 2, best  # the new best is in place before the old one goes
        removed.append(osp.basename(path))
        remove(self, path)

    monkeypatch.setattr(LocalBackend, 'remove', checked_remove)
    make_runner(tmp_path, max_epochs=3, max_keep_ckpts=1, save_best='acc', rule='greater').train()
    assert 'best_acc_epoch_1.pth' in removed and 'best_acc_epoch_2.pth' in removed
    pths = sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth'))
    assert pths == ['best_acc_epoch_3.pth', 'epoch_3.pth']
    best = torch.load(tmp_path / 'best_acc_epoch_3.pth', map_location='cpu', weights_only=False)
    assert best['meta']['epoch'] == 3
