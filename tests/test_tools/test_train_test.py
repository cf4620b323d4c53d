"""tools/train.py, --resume, tools/test.py and tools/dist_train.sh (gloo, 2 CPU processes)."""
import glob
import os.path as osp
import re

from conftest import REPO, run_tool

CONFIG = osp.join(REPO, 'configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py')


def write_tiny_config(tmp_path, data_root, extra=''):
    """The real DeiT-T-LIFE CIFAR-10 config on a fabricated folder, with a 2-block model."""
    cfg = tmp_path / 'tiny_cfg.py'
    cfg.write_text(f"""
_base_ = {CONFIG!r}
custom_imports = dict(imports=['mmlife.models', 'dist_probe'], allow_failed_imports=False)
model = dict(
    backbone=dict(arch=dict(
        _delete_=True, embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=96)),
    head=dict(in_channels=48))
_loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
train_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}))
val_dataloader = dict(**_loader, dataset=dict(data_root={data_root!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=True, end=1)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, save_best=None))
{extra}
""")
    return str(cfg)


def test_train_resume_test(tmp_path, tiny_folder):
    cfg = write_tiny_config(tmp_path, tiny_folder)
    work = str(tmp_path / 'work')
    out = run_tool(['tools/train.py', cfg, '--work-dir', work])
    assert 'Epoch(train) [1][4/4]' in out  # 8 images per split / batch 2 = 4 iterations
    assert 'eta:' in out  # progress and ETA in the logs
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))

    out = run_tool(['tools/train.py', cfg, '--work-dir', work, '--resume',
                    '--cfg-options', 'train_cfg.max_epochs=2'])
    assert 'resumed epoch: 1' in out.lower() or 'resumed epoch:1' in out.lower(), out[-3000:]
    assert 'Epoch(train) [2][4/4]' in out and 'Epoch(train) [1]' not in out
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))

    out = run_tool(['tools/test.py', cfg, osp.join(work, 'epoch_2.pth'), '--work-dir', work])
    top1 = float(re.search(r'accuracy/top1: ([\d.]+)', out).group(1))
    assert 0.0 <= top1 <= 100.0


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_dist_train_gloo_two_ranks_agree(tmp_path, tiny_folder):
    probe = tmp_path / 'probe'
    probe.mkdir()
    cfg = write_tiny_config(
        tmp_path, tiny_folder,
        extra=f'custom_hooks = [dict(type="ParamDigestHook", out_dir={str(probe)!r})]')
    out = run_tool(['tools/dist_train.sh', cfg, '2', '--work-dir', str(tmp_path / 'work')],
                   env=dict(PORT=str(free_port())))
    assert 'Distributed launcher: pytorch' in out or 'Distributed training: True' in out, out[-3000:]
    digests = [open(f).read() for f in sorted(glob.glob(str(probe / 'rank*.txt')))]
    assert len(digests) == 2, 'both ranks must finish training'
    assert digests[0] == digests[1], 'DDP ranks diverged'


def test_missing_dataset_folder_is_a_clear_error(tmp_path):
    cfg = write_tiny_config(tmp_path, str(tmp_path / 'no_such_data'))
    try:
        run_tool(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')])
    except AssertionError as err:
        msg = str(err)
    else:
        raise AssertionError('training on a missing folder must fail')
    assert "FileNotFoundError: train_dataloader: dataset folder" in msg
    assert 'no_such_data' in msg and '--cfg-options train_dataloader.dataset.data_root' in msg
