"""A resumed training ends with exactly the weights of an uninterrupted one (CPU, same seed),
with random crops and flips in the data pipeline and stochastic depth in the model; also with the
official LIFE recipe's repeated augmentation and weight EMA, and with persistent loader workers."""
import itertools
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO, write_tiny_config

TINY = """
model = dict(
    backbone=dict(arch=dict(
        _delete_=True, embed_dims=24, num_layers=2, num_heads=2, feedforward_channels=48),
        drop_path_rate=0.5),
    head=dict(in_channels=24))"""
_names = itertools.count()


def train(cfg_file, work_dir, max_epochs, resume=False, **loader):
    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.resume = resume
    cfg.train_dataloader.update(loader)
    cfg.experiment_name = f'exact_resume_{next(_names)}'
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # (faster; not needed)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}


def test_resumed_run_equals_uninterrupted_run(tmp_path, tiny_folder):
    cfg = write_tiny_config(tmp_path, tiny_folder, model=TINY)
    pipeline = str(Config.fromfile(cfg).train_dataloader.dataset.pipeline)
    assert 'RandomCrop' in pipeline and 'RandomFlip' in pipeline  # the test needs randomness

    straight = train(cfg, tmp_path / 'straight', max_epochs=4)
    train(cfg, tmp_path / 'resumed', max_epochs=2)
    resumed = train(cfg, tmp_path / 'resumed', max_epochs=4, resume=True)

    assert straight.keys() == resumed.keys()
    differ = {k: (straight[k].float() - resumed[k].float()).abs().max().item()
              for k in straight if not torch.equal(straight[k], resumed[k])}
    assert not differ, (f'{len(differ)} of {len(straight)} tensors differ, by up to '
                        f'{max(differ.values()):.3g} ({max(differ, key=differ.get)})')
    # and the resumed epochs really trained (the comparison is not between two checkpoints)
    halfway = torch.load(tmp_path / 'resumed' / 'epoch_2.pth', map_location='cpu',
                         weights_only=False)['state_dict']
    assert not torch.equal(halfway['head.layers.head.weight'], resumed['head.layers.head.weight'])


def test_official_recipe_resumes_exactly(tmp_path, tiny_folder):
    """RepeatAugSampler (3 repeats) and the EMAHook of the ``*-official_cifar10.py`` configs: the
    resumed run ends with the same weights and the same EMA weights (a 300-epoch run spans
    several machines)."""
    base = osp.join(REPO, 'configs/classification/deit/deit-tiny-life_p4_8xb64-official_cifar10.py')
    cfg = write_tiny_config(tmp_path, tiny_folder, model=TINY, base=base)
    loaded = Config.fromfile(cfg)
    assert loaded.train_dataloader.sampler.type == 'RepeatAugSampler'
    assert 'EMAHook' in [h['type'] for h in loaded.custom_hooks]

    straight = train(cfg, tmp_path / 'straight', max_epochs=3)
    train(cfg, tmp_path / 'resumed', max_epochs=1)
    resumed = train(cfg, tmp_path / 'resumed', max_epochs=3, resume=True)
    for name, tensors in (('weights', (straight, resumed)),
                          ('EMA weights', [torch.load(tmp_path / run / 'epoch_3.pth',
                                                      map_location='cpu', weights_only=False)
                                           ['ema_state_dict'] for run in ('straight', 'resumed')])):
        a, b = tensors
        assert a.keys() == b.keys()
        differ = [k for k in a if not torch.equal(a[k], b[k])]
        assert not differ, f'{name}: {len(differ)} of {len(a)} tensors differ ({differ[:3]})'


def test_persistent_workers_resume_exactly(tmp_path, tiny_folder):
    """Persistent workers start once and keep their generators across epochs; EpochSeedHook
    reseeds them per epoch, so the resumed run still repeats the uninterrupted one."""
    cfg = write_tiny_config(tmp_path, tiny_folder, model=TINY)
    loader = dict(num_workers=2, persistent_workers=True)
    straight = train(cfg, tmp_path / 'straight', max_epochs=3, **loader)
    train(cfg, tmp_path / 'resumed', max_epochs=1, **loader)
    resumed = train(cfg, tmp_path / 'resumed', max_epochs=3, resume=True, **loader)
    differ = [k for k in straight if not torch.equal(straight[k], resumed[k])]
    assert not differ, f'{len(differ)} of {len(straight)} tensors differ ({differ[:3]})'


def _draw(results):
    return random.random(), np.random.rand(), torch.rand(()).item()


class _RandomDataset(torch.utils.data.Dataset):
    """Each sample is what its pipeline draws from the worker's generators."""

    def __init__(self):
        self.pipeline = _draw

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return self.pipeline(None)


def _epochs(dataset, hook, epochs, context):
    """What a persistent 2-worker loader yields in ``epochs``, the hook driving it."""
    from types import SimpleNamespace
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, num_workers=2,
                                         persistent_workers=True,
                                         multiprocessing_context=context)
    runner = SimpleNamespace(train_dataloader=loader, seed=7, epoch=epochs[0], logger=None)
    hook.before_train(runner)
    out = {}
    for epoch in epochs:
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        out[epoch] = [tuple(map(tuple, b)) for b in loader]
    return out


@pytest.mark.parametrize('context', ['fork', 'spawn'])  # workers forked, or started afresh
def test_workers_draw_per_epoch_streams_that_a_resume_repeats(context):
    from mmlife.engine import EpochSeedHook
    from mmlife.engine.hooks.epoch_seed_hook import EpochSeededPipeline
    dataset = _RandomDataset()
    straight = _epochs(dataset, EpochSeedHook(), [0, 1, 2], context)
    assert isinstance(dataset.pipeline, EpochSeededPipeline)
    assert straight[0] != straight[1] != straight[2]  # epochs draw differently
    resumed = _epochs(_RandomDataset(), EpochSeedHook(), [2], context)  # new workers, epoch 2
    assert resumed[2] == straight[2]


def test_resume_with_persistent_workers_and_no_pipeline_warns():
    """Without a pipeline to reseed, persistent workers cannot repeat their augmentation."""
    from types import SimpleNamespace
    from unittest import mock

    from mmlife.engine import EpochSeedHook

    def runner(epoch, **loader):
        return SimpleNamespace(epoch=epoch, logger=mock.Mock(), seed=0,
                               train_dataloader=SimpleNamespace(**loader))

    resumed = runner(2, num_workers=2, persistent_workers=True)
    EpochSeedHook().before_train(resumed)
    assert 'persistent' in resumed.logger.warning.call_args[0][0]
    for quiet in (runner(0, num_workers=2, persistent_workers=True),  # a fresh run
                  runner(2, num_workers=2, persistent_workers=False),
                  runner(2, num_workers=0, persistent_workers=False),
                  runner(2, num_workers=2, persistent_workers=True,  # reseeded: exact
                         dataset=_RandomDataset())):
        EpochSeedHook().before_train(quiet)
        quiet.logger.warning.assert_not_called()
