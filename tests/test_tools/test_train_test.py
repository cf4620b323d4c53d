"""tools/train.py, --resume, tools/test.py and tools/dist_train.sh (gloo, 2 CPU processes)."""
import glob
import os.path as osp
import re

from conftest import free_port, run_tool, write_tiny_config

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
