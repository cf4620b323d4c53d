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


def test_cifar_arms_start_the_configs_of_their_recipe(tmp_path):
    """`start cifar` takes each arm's config of the recipe asked for (PY=true: nothing trains),
    and refuses an arm it has no config for."""
    runs = tmp_path / 'runs'
    arms = 'deit-tiny t2t-vit-12-life swinv2-tiny-w8'
    for recipe, suffix in (('deit', ''), ('official', '-official')):
        run_tool(['tools/dev/real_data.sh', 'start', 'cifar'],
                 env=dict(RUNS=str(runs / recipe), PY='true', CIFAR_ARMS=arms,
                          CIFAR_RECIPE=recipe))
        configs = {d.name: (d / 'command.txt').read_text().split()[2]
                   for d in (runs / recipe).iterdir()}
        assert configs == {
            'cifar10_deit-tiny':
                f'configs/classification/deit/deit-tiny_p4_8xb64{suffix}_cifar10.py',
            'cifar10_t2t-vit-12-life':
                f'configs/classification/t2t_vit/t2t-vit-12-life_8xb64{suffix}_cifar10.py',
            'cifar10_swinv2-tiny-w8':
                f'configs/classification/swinv2/swinv2-tiny-w8_p1_8xb64{suffix}_cifar10.py'}
    for arm, recipe, why in (('resnet18', 'deit', 'unknown CIFAR arm'),
                             ('deit-tiny-convtok', 'deit', 'no config')):
        try:
            run_tool(['tools/dev/real_data.sh', 'start', 'cifar'],
                     env=dict(RUNS=str(runs / 'bad'), PY='true', CIFAR_ARMS=arm,
                              CIFAR_RECIPE=recipe))
        except AssertionError as err:
            assert why in str(err)
        else:
            raise AssertionError(f'{arm} with CIFAR_RECIPE={recipe} was started')
