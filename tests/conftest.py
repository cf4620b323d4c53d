"""Shared test helpers: repository paths, tiny fabricated datasets, running the tools."""
import importlib.util
import logging
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def pytest_configure(config):
    """Under pytest-xdist (``-n N``) each worker process gets its share of the cores for torch's
    own threads, so N workers do not oversubscribe the machine."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers > 1:
        import torch
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def load_tool(*path):
    """Import a script of the repo (e.g. ``load_tool('tools', 'demo.py')``) as a module."""
    full = osp.join(REPO, *path)
    name = 'tool_' + osp.splitext('_'.join(path))[0].replace('/', '_').replace('-', '_')
    spec = importlib.util.spec_from_file_location(name, full)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(args, cwd=REPO, env=None, timeout=600):
    """Run ``python <args>`` (or a shell script) from the repo root; fail with its output."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    full_env['PYTHONPATH'] = os.pathsep.join(
        [REPO, osp.join(REPO, 'tests', 'helpers'), full_env.get('PYTHONPATH', '')])
    full_env.update(env or {})
    cmd = list(args) if str(args[0]).endswith('.sh') else [sys.executable, *args]
    if cmd[0].endswith('.sh'):
        cmd = ['bash', *cmd]
        full_env.setdefault('PYTHON', sys.executable)
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, cmd))} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr


def make_image_folder(root, classes=('a', 'b'), per_class=4, size=32, splits=('train', 'test'),
                      seed=0):
    """Write random PNGs as ``root/<split>/<class>/<i>.png``; returns root."""
    import cv2
    rng = np.random.default_rng(seed)
    for split in splits:
        for c in classes:
            folder = osp.join(root, split, c)
            os.makedirs(folder, exist_ok=True)
            for i in range(per_class):
                img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                cv2.imwrite(osp.join(folder, f'{i}.png'), img)
    return str(root)


IMAGENETTE_DEIT = {False: 'configs/classification/deit/deit-tiny_p16_8xb64_imagenette.py',
                   True: 'configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py'}


def make_classifier_checkpoint(path, use_life, seed=0, training_state=True):
    """A checkpoint as tools/train.py saves it for the DeiT-T(-LIFE) Imagenette classifier, with
    random weights (``backbone.*``, ``head.*``), ``meta`` and (``training_state``) AdamW state,
    a message hub and the schedulers. Returns ``(path, state_dict)``."""
    import torch
    from mmengine.config import Config
    from mmengine.logging import MessageHub
    from mmengine.registry import init_default_scope

    import mmlife.models  # noqa: F401
    cfg = Config.fromfile(osp.join(REPO, IMAGENETTE_DEIT[use_life]))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.2)
    ckpt = dict(meta=dict(epoch=100, iter=1800, seed=seed, cfg=cfg.pretty_text,
                          dataset_meta=dict(classes=tuple(cfg.classes))),
                state_dict=model.state_dict())
    if training_state:
        optimizer = torch.optim.AdamW(model.parameters())
        sum(p.sum() for p in model.parameters()).backward()
        optimizer.step()
        hub = MessageHub(f'classifier_ckpt_{seed}_{use_life}')
        hub.update_scalar('train/loss', 1.5)
        ckpt.update(optimizer=optimizer.state_dict(), message_hub=hub.state_dict(),
                    param_schedulers=[dict(last_step=1800)])
    torch.save(ckpt, path)
    return str(path), model.state_dict()


TINY_BASE = osp.join(REPO, 'configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py')


TINY_MODEL = """
custom_imports = dict(imports=['mmlife.models', 'mmlife.datasets', 'dist_probe'],
                      allow_failed_imports=False)
model = dict(
    backbone=dict(arch=dict(
        _delete_=True, embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=96)),
    head=dict(in_channels=48))"""


def write_tiny_config(tmp_path, data_root, extra='', base=TINY_BASE, model=TINY_MODEL):
    """A real classification config (default: DeiT-T-LIFE CIFAR-10, with a 2-block model) on a
    fabricated folder: batch 2, one epoch, a checkpoint and a log line every step."""
    cfg = tmp_path / 'tiny_cfg.py'
    cfg.write_text(f"""
_base_ = {base!r}
{model}
_loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
# the fabricated classes are the train split's folders, not the base's CIFAR-10 names
train_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}, classes=None))
val_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}, classes=None,
                                              classes_from='train'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=True, end=1)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, save_best=None))
{extra}
""")
    return str(cfg)


class LogRecords(logging.Handler):
    """A logging handler that keeps ``(levelname, message)`` of every record, for tests that
    check what was logged (mmengine's loggers do not propagate to pytest's caplog)."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append((record.levelname, record.getMessage()))


def free_port():
    """A TCP port nobody listens on now (for torchrun's rendezvous)."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def tiny_folder(tmp_path):
    return make_image_folder(tmp_path / 'data')


def _scope_restorer():
    """Generator: snapshot mmengine's default scopes, then drop the ones created since and make
    the old current scope current again (init_detector / init_model / Runner /
    init_default_scope all set a global default scope)."""
    from mmengine.registry import DefaultScope
    instances = DefaultScope._instance_dict  # mmengine keeps the current scope last
    before = list(instances)
    yield
    for name in list(instances):
        if name not in before:
            instances.pop(name)
    if before:
        instances.move_to_end(before[-1])


@pytest.fixture(autouse=True, scope='module')
def _restore_default_scope_per_module():
    """Module-scoped fixtures (e.g. a dataset built under init_default_scope('mmseg')) must not
    leak their scope into later test files."""
    yield from _scope_restorer()


@pytest.fixture(autouse=True)
def _restore_default_scope():
    """Tests build from the registry they name, whatever ran before them."""
    yield from _scope_restorer()
