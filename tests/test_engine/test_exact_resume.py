"""A resumed training ends with exactly the weights of an uninterrupted one (CPU, same seed),
with random crops and flips in the data pipeline and stochastic depth in the model."""
import itertools

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import write_tiny_config

TINY = """
custom_imports = dict(imports=['mmlife.models'], allow_failed_imports=False)
model = dict(
    backbone=dict(arch=dict(
        _delete_=True, embed_dims=24, num_layers=2, num_heads=2, feedforward_channels=48),
        drop_path_rate=0.5),
    head=dict(in_channels=24))"""
_names = itertools.count()


def train(cfg_file, work_dir, max_epochs, resume=False):
    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.resume = resume
    cfg.experiment_name = f'exact_resume_{next(_names)}'
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
    diff = {k: (straight[k].float() - resumed[k].float()).abs().max().item() for k in straight}
    assert all(torch.equal(straight[k], resumed[k]) for k in straight), \
        f'max difference per tensor: {diff}'
    # and training really moved the weights (the comparison is not between two initialisations)
    first = train(cfg, tmp_path / 'one_epoch', max_epochs=1)
    assert not torch.equal(first['head.layers.head.weight'], straight['head.layers.head.weight'])
