"""The mmlife wheel, the OpenMMLab way: configs, tools, demo and model-index.yml in mmlife/.mim,
found by `mim search` / `mim train` once the wheel is installed (openmim's CLI; skipped without it).

One wheel is built (from a copy of the checkout) and installed into a folder for the module.
"""
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml

from conftest import REPO, make_image_folder

HAS_MIM = importlib.util.find_spec('mim') is not None


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """A wheel of the checkout, built the way `pip wheel .` builds it."""
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        '.git', '.venv', 'data', 'work_dirs', 'build', 'dist', '*.egg-info', '.mim',
        '__pycache__', '.pytest_cache', '.whl*', 'pretrain'))
    out = tmp / 'dist'
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                           '--no-build-isolation', '-w', str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = os.listdir(out)
    assert len(wheels) == 1 and wheels[0].startswith('mmlife-'), wheels
    return str(out / wheels[0])


@pytest.fixture(scope='module')
def installed(wheel, tmp_path_factory):
    """The wheel installed into a folder (no dependencies: the environment has them)."""
    target = tmp_path_factory.mktemp('site')
    proc = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
                           '--target', str(target), wheel], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(target)


def run_installed(args, site, cwd, timeout=600):
    """``python <args>`` with the installed wheel first on the path (not the checkout)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
               PYTHONPATH=os.pathsep.join([site, os.environ.get('PYTHONPATH', '')]))
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in env['PYTHONPATH'].split(os.pathsep) if p and osp.abspath(p) != REPO)
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f'{args} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}'
    return proc.stdout


def test_wheel_carries_configs_tools_demo_and_model_index(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    mim = 'mmlife/.mim/'
    for path in ('model-index.yml', 'tools/train.py', 'tools/test.py', 'tools/dist_train.sh',
                 'demo/seg_image_demo.py', 'configs/classification/README.md',
                 'configs/classification/deit/metafile.yml',
                 'configs/classification/_base_/default_runtime.py'):
        assert mim + path in names, path
    configs = {n[len(mim):] for n in names if n.startswith(mim + 'configs/') and n.endswith('.py')}
    in_repo = {osp.relpath(osp.join(d, f), REPO) for d, _, fs in os.walk(osp.join(REPO, 'configs'))
               for f in fs if f.endswith('.py')}
    assert configs == in_repo
    assert not [n for n in names if '__pycache__' in n]
    # every model of the index points to a config inside the wheel
    with zipfile.ZipFile(wheel) as z:
        index = yaml.safe_load(z.read(mim + 'model-index.yml'))
        for metafile in index['Import']:
            for model in yaml.safe_load(z.read(mim + metafile))['Models']:
                assert mim + model['Config'] in names, model['Name']


def test_installed_package_finds_its_model_zoo(installed, tmp_path):
    out = run_installed(['-c', 'import mmlife, mmlife.utils.model_index as m; '
                         'print(mmlife.__file__); print(m.model_zoo_root())'],
                        installed, cwd=str(tmp_path))
    package_file, root = out.split()
    assert package_file.startswith(installed)
    assert root == osp.join(installed, 'mmlife', '.mim')


@pytest.mark.skipif(not HAS_MIM, reason='openmim (the `mim` CLI) is not installed')
def test_mim_search_lists_the_models(installed, tmp_path):
    out = run_installed(['-m', 'mim', 'search', 'mmlife', '--field', 'config',
                         '--display-width', '300'], installed, cwd=str(tmp_path))
    for name in ('deit-tiny-life_p4_8xb64_cifar10', 'detr_deit-tiny-life_encdec-life_1xb4-300e_'
                 'bccd-512x512', 'linear_deit-tiny-life_1xb8-10k_camvid-352x480'):
        assert name in out
    out = run_installed(['-m', 'mim', 'search', 'mmlife', '--model', 'deit-life',
                         '--field', 'cifar-10/top_1_accuracy', '--display-width', '300'],
                        installed, cwd=str(tmp_path))
    assert '83.64' in out  # the CIFAR-10 result of docs/logs/cifar10_100e


@pytest.mark.skipif(not HAS_MIM, reason='openmim (the `mim` CLI) is not installed')
def test_mim_train_runs_a_packaged_config_on_the_cpu(installed, tmp_path):
    """`mim train mmlife CONFIG_NAME` finds the config and tools/train.py in mmlife/.mim."""
    data = make_image_folder(tmp_path / 'data', classes=[str(i) for i in range(10)],
                             per_class=1)
    work = tmp_path / 'work'
    loader = ('batch_size=5', 'num_workers=0', 'persistent_workers=False',
              f'dataset.data_root={data}')
    options = [f'{split}_dataloader.{o}' for split in ('train', 'val', 'test') for o in loader]
    out = run_installed(
        ['-m', 'mim', 'train', 'mmlife', 'deit-tiny_p8_1xb32_digits-demo.py', '--gpus', '0',
         '--work-dir', str(work), '--cfg-options', *options, 'train_cfg.max_epochs=1',
         'train_cfg.val_interval=1', 'param_scheduler.1.end=2',
         'default_hooks.checkpoint.interval=1'], installed, cwd=str(tmp_path))
    assert osp.join(installed, 'mmlife', '.mim', 'tools', 'train.py') in out  # mim's command
    assert osp.isfile(work / 'epoch_1.pth')
