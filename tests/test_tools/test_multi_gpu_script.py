"""tools/dev/multi_gpu.sh on the CPU: 1-process runs of two seeds, then a 2-process (gloo) run of
the tiny DeiT-T-LIFE config with one global batch, the comparison table, and the checkpoint tested
in 1 and in 2 processes."""
import re
import sys

import pytest

from conftest import free_port, run_tool, write_tiny_config


def test_seeds_then_two_processes_then_compare_and_test(tmp_path, tiny_folder):
    cfg = write_tiny_config(tmp_path, tiny_folder)
    runs = tmp_path / 'runs'
    env = dict(CONFIG=cfg, EPOCHS='1', SEEDS='0 1', NGPUS='2', GLOBAL_BATCH='4', WORKERS='0', RUNS=str(runs),
               PY=sys.executable, PORT=str(free_port()), EXTRA='default_hooks.logger.interval=1')
    out = run_tool(['tools/dev/multi_gpu.sh', 'start'], env=env)
    # the same global batch: 1 x 4 against 2 x 2
    one = (runs / 'gpu1' / 'command.txt').read_text()
    assert 'train_dataloader.batch_size=4' in one and 'randomness.seed=0' in one
    assert 'randomness.seed=1' in (runs / 'gpu1_seed1' / 'command.txt').read_text()
    two = (runs / 'gpu2' / 'command.txt').read_text()
    assert 'dist_train.sh' in two and 'train_dataloader.batch_size=2' in two
    assert two.startswith('NCCL_NVLS_ENABLE=0 ')  # NVLink multicast off
    out = run_tool(['tools/dev/multi_gpu.sh', 'wait', '600'], env=env)
    assert 'all runs ended' in out, out
    assert 'Distributed training: True' in (runs / 'gpu2' / 'train.log').read_text()
    out = run_tool(['tools/dev/multi_gpu.sh', 'compare'], env=env)
    rows = [line for line in out.splitlines() if line.startswith('| ') and 'vis_data' in line]
    assert len(rows) == 3, out  # seed 0, the 2-process run, seed 1
    ratios = [float(re.findall(r'\| ([\d.]+) \|$', row)[0]) for row in rows]
    assert ratios[0] == 1.0 and ratios[1] > 0
    out = run_tool(['tools/dev/multi_gpu.sh', 'test'], env=env)
    top1 = re.findall(r"'accuracy/top1': ([\d.]+)", out)
    assert len(top1) == 2 and top1[0] == top1[1], out


def test_global_batch_must_split_evenly():
    with pytest.raises(AssertionError, match='not divisible by NGPUS=3'):
        run_tool(['tools/dev/multi_gpu.sh', 'compare'], env=dict(NGPUS='3', GLOBAL_BATCH='512'))
