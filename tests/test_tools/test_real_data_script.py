"""tools/dev/real_data.sh: how it counts the training runs alive (``wait`` ends when none is)."""
import re
import subprocess
import sys
import time

from conftest import run_tool

FAKE_TRAIN = '''import subprocess, sys, time
if '--worker' not in sys.argv:  # a loader worker: a child that is a train.py process too
    subprocess.Popen([sys.executable, 'tools/train.py', '--worker'])
time.sleep(60)
'''


def runs_alive(runs):
    out = run_tool(['tools/dev/real_data.sh', 'wait', '0'], env=dict(RUNS=str(runs)))
    return int(re.findall(r'runs still training: (\d+)', out)[-1])


def test_wait_counts_training_processes_not_shells_that_mention_them(tmp_path):
    fake = tmp_path / 'fake'
    (fake / 'tools').mkdir(parents=True)
    (fake / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    runs = tmp_path / 'runs'
    runs.mkdir()
    before = runs_alive(runs)  # real runs elsewhere on this machine, if any
    procs = [
        subprocess.Popen([sys.executable, 'tools/train.py'], cwd=fake),  # a run, with a worker
        # a shell whose command line names tools/train.py: a user's `pgrep -f`, a log viewer
        subprocess.Popen(['bash', '-c', 'sleep 60; pgrep -fc tools/train.py']),
    ]
    try:
        time.sleep(1.5)  # the run starts its worker
        assert runs_alive(runs) - before == 1
    finally:
        for p in procs:
            p.kill()
        subprocess.run(['pkill', '-f', f'{sys.executable} tools/train.py --worker'], check=False)
