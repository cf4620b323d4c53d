"""tools/dev/multi_gpu.sh on the CPU: a 1-process run then a 2-process (gloo) run of the tiny
DeiT-T-LIFE config with one global batch, then the comparison table."""
import re
import sys

import pytest

from conftest import free_port, run_tool, write_tiny_config


def test_one_then_two_processes_then_compare(tmp_path, tiny_folder):
    cfg = write_tiny_config(tmp_path, tiny_folder)
    runs = tmp_path / 'runs'
    env = dict(CONFIG=cfg, EPOCHS='1', NGPUS='2', GLOBAL_BATCH='4', WORKERS='0', RUNS=str(runs),
               PY=sys.executable, PORT=str(free_port()), EXTRA='default_hooks.logger.interval=1')
    out = run_tool(['tools/dev/multi_gpu.sh', 'start'], env=env)
    # the same global batch: 1 x 4 against 2 x 2
    assert 'train_dataloader.batch_size=4' in (runs / 'gpu1' / 'command.txt').read_text()
    two = (runs / 'gpu2' / 'command.txt').read_text()
    assert 'dist_train.sh' in two and 'train_dataloader.batch_size=2' in two
    assert two.startswith('NCCL_NVLS_ENABLE=0 ')  # NVLink multicast off
    out = run_tool(['tools/dev/multi_gpu.sh', 'wait', '600'], env=env)
    assert 'both runs ended' in out, out
    assert 'Distributed training: True' in (runs / 'gpu2' / 'train.log').read_text()
    out = run_tool(['tools/dev/multi_gpu.sh', 'compare'], env=env)
    rows = [line for line in out.splitlines() if line.startswith('| ') and 'vis_data' in line]
    assert len(rows) == 2, out
    ratios = [float(re.findall(r'\| ([\d.]+) \|$', row)[0]) for row in rows]
    assert ratios[0] == 1.0 and ratios[1] > 0


def test_global_batch_must_split_evenly():
    with pytest.raises(AssertionError, match='not divisible by NGPUS=3'):
        run_tool(['tools/dev/multi_gpu.sh', 'compare'], env=dict(NGPUS='3', GLOBAL_BATCH='512'))
