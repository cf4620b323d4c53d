"""tools/train.py refuses to overwrite checkpoints and to "resume" from nothing."""
import sys

import pytest

from conftest import load_tool, write_tiny_config
from mmlife.engine import WorkDirError, check_work_dir, resolve_last_checkpoint


def fill(work, *names, last=None):
    work.mkdir(exist_ok=True)
    for name in names:
        (work / name).write_bytes(b'x')
    if last is not None:
        (work / 'last_checkpoint').write_text(last)
    return str(work)


def test_fresh_training_in_empty_or_missing_dir_is_fine(tmp_path):
    check_work_dir(str(tmp_path / 'missing'), resume=False)
    check_work_dir(fill(tmp_path / 'logs_only', '20260101_000000.log'), resume=False)


def test_fresh_training_over_checkpoints_is_refused(tmp_path):
    work = fill(tmp_path / 'w', 'epoch_1.pth', 'epoch_2.pth', last=str(tmp_path / 'w/epoch_2.pth'))
    with pytest.raises(WorkDirError) as err:
        check_work_dir(work, resume=False)
    msg = str(err.value)
    for part in ('epoch_1.pth', 'epoch_2.pth', 'last_checkpoint', '--resume', '--work-dir',
                 '--overwrite'):
        assert part in msg
    check_work_dir(work, resume=False, overwrite=True)  # asked for explicitly
    with pytest.raises(WorkDirError, match='give one of them'):
        check_work_dir(work, resume=True, overwrite=True)


def test_resume_from_nothing_is_refused(tmp_path):
    with pytest.raises(WorkDirError, match='nothing to resume.*holds no checkpoint'):
        check_work_dir(str(tmp_path / 'missing'), resume=True)
    work = fill(tmp_path / 'no_last', 'epoch_3.pth')
    with pytest.raises(WorkDirError, match='no last_checkpoint.*--resume .*epoch_3.pth'):
        check_work_dir(work, resume=True)
    with pytest.raises(WorkDirError, match='does not exist'):
        check_work_dir(work, resume=True, load_from=str(tmp_path / 'nope.pth'))
    check_work_dir(work, resume=True, load_from=str(tmp_path / 'no_last' / 'epoch_3.pth'))


def test_empty_or_dangling_last_checkpoint(tmp_path):
    work = fill(tmp_path / 'empty', 'epoch_1.pth', last='\n')
    with pytest.raises(WorkDirError, match='last_checkpoint is empty.*--resume .*epoch_1.pth'):
        check_work_dir(work, resume=True)
    gone = str(tmp_path / 'dangling' / 'epoch_9.pth')
    work = fill(tmp_path / 'dangling', 'epoch_1.pth', last=gone)
    with pytest.raises(WorkDirError, match='names .*epoch_9.pth, which does not exist'):
        check_work_dir(work, resume=True)
    good = fill(tmp_path / 'good', 'epoch_4.pth', last=str(tmp_path / 'good' / 'epoch_4.pth'))
    assert resolve_last_checkpoint(good) == str(tmp_path / 'good' / 'epoch_4.pth')


def run_train(monkeypatch, *args):
    """tools/train.py's main() in this process (stops before the Runner is built)."""
    monkeypatch.setattr(sys, 'argv', ['train.py', *map(str, args)])
    load_tool('tools', 'train.py').main()


def test_train_py_refuses(tmp_path, tiny_folder, monkeypatch):
    cfg = write_tiny_config(tmp_path, tiny_folder, model='')
    work = fill(tmp_path / 'work', 'epoch_1.pth', last=str(tmp_path / 'work' / 'epoch_1.pth'))
    with pytest.raises(WorkDirError, match='already holds checkpoints .*epoch_1.pth'):
        run_train(monkeypatch, cfg, '--work-dir', work)
    with pytest.raises(WorkDirError, match='nothing to resume'):
        run_train(monkeypatch, cfg, '--work-dir', tmp_path / 'empty', '--resume')


def test_demo_retrains_over_its_work_dir(monkeypatch, tmp_path):
    demo = load_tool('tools', 'demo.py')
    monkeypatch.setattr(demo, 'WORK', str(tmp_path))  # not the checkout's work_dirs/demo
    calls = []
    monkeypatch.setattr(demo.subprocess, 'run', lambda cmd, **kw: calls.append(cmd))
    demo.train('DeiT-T', demo.MODELS[0][1], 1, retrain=True)
    assert '--overwrite' in calls[0]
