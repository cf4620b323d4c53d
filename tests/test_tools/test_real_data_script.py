"""tools/dev/real_data.sh: how it counts the training runs alive (``wait`` ends when none is)."""
import re
import subprocess
import sys
import time

from conftest import run_tool

FAKE_TRAIN = '''import os, sys, time
work_dir = sys.argv[sys.argv.index('--work-dir') + 1]
if os.fork() == 0:  # a loader worker: a forked child, with the same command line
    os.makedirs(work_dir, exist_ok=True)
    open(os.path.join(work_dir, 'worker_started'), 'w').close()
time.sleep(60)
'''


def runs_alive(runs):
    # COLUMNS as in a terminal of 80 columns: ps cuts its lines to that width unless told not to
    out = run_tool(['tools/dev/real_data.sh', 'wait', '0'], env=dict(RUNS=str(runs), COLUMNS='80'))
    return int(re.findall(r'runs still training: (\d+)', out)[-1])


def test_wait_counts_the_training_runs_of_its_runs_folder_only(tmp_path):
    """A run of ``$RUNS`` counts once (not its loader worker); a shell whose command line names
    tools/train.py, and a run whose work dir is elsewhere (another test, another set of runs),
    do not count."""
    fake = tmp_path / 'fake'
    (fake / 'tools').mkdir(parents=True)
    (fake / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    runs = tmp_path / 'runs'
    runs.mkdir()

    def train(work_dir):
        return subprocess.Popen([sys.executable, 'tools/train.py', 'cfg.py',
                                 '--work-dir', str(work_dir)], cwd=fake)

    procs = [
        train(runs / 'a'),
        train(tmp_path / 'runs_elsewhere' / 'a'),  # its path starts like $RUNS, but is not in it
        subprocess.Popen(['bash', '-c', f'sleep 60; pgrep -fc "tools/train.py --work-dir {runs}"']),
    ]
    try:
        started = [d / 'a' / 'worker_started' for d in (runs, tmp_path / 'runs_elsewhere')]
        deadline = time.monotonic() + 60
        while not all(f.exists() for f in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(f.exists() for f in started), 'the fake runs did not start their workers'
        assert runs_alive(runs) == 1
        assert runs_alive(tmp_path / 'none') == 0
    finally:
        for p in procs:
            p.kill()
        subprocess.run(
            ['pkill', '-f', f'{sys.executable} tools/train.py cfg.py --work-dir {tmp_path}'],
            check=False)


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


def test_bccd_from_the_groceries_detectors_loads_each_arms_last_checkpoint(tmp_path):
    """`start cond-bccd-detpre` (PY=true: nothing trains) starts the batch-32 BCCD pair with
    load_from the last checkpoint of the same arm's Groceries run, and refuses to start without
    it. The script runs from a copy of it, beside stand-ins for the Imagenette backbones."""
    import shutil
    root = tmp_path / 'repo'
    (root / 'tools' / 'dev').mkdir(parents=True)
    shutil.copy('tools/dev/real_data.sh', root / 'tools' / 'dev')
    (root / 'pretrain').mkdir()
    for arm in ('deit-tiny', 'deit-tiny-life'):
        (root / 'pretrain' / f'{arm}_imagenette_backbone.pth').touch()
    runs = tmp_path / 'runs'
    script = str(root / 'tools' / 'dev' / 'real_data.sh')
    env = dict(RUNS=str(runs), PY='true')
    try:
        run_tool([script, 'start', 'cond-bccd-detpre'], env=env)
    except AssertionError as err:
        assert 'start cond-groceries-pre first' in str(err)
    else:
        raise AssertionError('started without the Groceries checkpoints')
    arms = ('deit-tiny-imagenette-pre_encdec-linear', 'deit-tiny-life-imagenette-pre_encdec-life')
    for arm in arms:
        src = runs / f'cond-groceries_{arm}'
        src.mkdir(parents=True)
        (src / 'last_checkpoint').write_text(f'{src}/epoch_12.pth')
    run_tool([script, 'start', 'cond-bccd-detpre'], env=env)
    for arm in arms:
        words = (runs / f'cond-bccd-detpre_{arm}' / 'command.txt').read_text().split()
        assert words[2] == (f'configs/detection/conditional_detr/conditional-detr_{arm}_'
                            '1xb32-300e_bccd-512x512.py')
        assert words[-1] == f'load_from={runs}/cond-groceries_{arm}/epoch_12.pth'
        # the classifier (25 classes there, 3 here) keeps its initialisation
        assert words[5:7] == ['--allow-partial', '--cfg-options']
