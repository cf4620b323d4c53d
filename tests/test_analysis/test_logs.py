"""mmlife.analysis.logs on small mmengine-style logs: run summaries, seed tables, curves; and the
three scripts that print / draw them."""
import json

import pytest

from conftest import run_tool
from mmlife.analysis.logs import (plot_curves, read_log, read_metric, seed_table, summarise,
                                  summary_table)


# ----------------------------------------------------------------------------------------------
# tools/test.py text logs, over seeds
# ----------------------------------------------------------------------------------------------
def write_test_log(tmp_path, name, miou):
    path = tmp_path / f'{name}.log'
    path.write_text(
        '11/24 17:02:04 - mmengine - INFO - Iter(test) [ 50/233]    eta: 0:00:05  time: 0.0140\n'
        f'11/24 17:02:06 - mmengine - INFO - Iter(test) [233/233]    aAcc: 71.0400  '
        f'mIoU: {miou:.4f}  mAcc: 37.3100  data_time: 0.0026  time: 0.0145\n'
        "{'aAcc': np.float32(71.04)}\n")
    return str(path)


def test_means_spreads_and_paired_differences(tmp_path):
    base = [write_test_log(tmp_path, f'b{i}', v) for i, v in enumerate((28.0, 29.0, 30.0))]
    life = [write_test_log(tmp_path, f'l{i}', v) for i, v in enumerate((29.0, 29.5, 31.5))]
    arms = {'base': [read_metric(p, 'mIoU') for p in base],
            'life': [read_metric(p, 'mIoU') for p in life]}
    assert arms == {'base': [28.0, 29.0, 30.0], 'life': [29.0, 29.5, 31.5]}
    out = seed_table(arms, 'mIoU')
    # base: mean 29, sample std 1; differences +1, +0.5, +1.5: mean +1, sample std 0.5
    assert '| base | 3 | 28.00, 29.00, 30.00 | 29.00 | 1.00 |' in out
    assert '| diff life - base | 3 | +1.00, +0.50, +1.50 | +1.00 | 0.50 |' in out


def test_metric_names_match_whole_words(tmp_path):
    # 'mIoU' must not be read from a key that merely ends in it
    path = tmp_path / 'x.log'
    path.write_text('Iter(test) [1/1]    bmIoU: 99.0000  mIoU: 12.5000\n')
    assert read_metric(str(path), 'mIoU') == 12.5


def test_unpaired_arms_are_said_not_paired():
    out = seed_table({'a': [1.0], 'b': [2.0, 3.0]}, 'mIoU')
    assert 'not paired' in out and 'diff' not in out
    assert '| a | 1 | 1.00 | 1.00 | - |' in out


def test_bad_test_logs(tmp_path):
    empty = tmp_path / 'train.log'
    empty.write_text('Iter(train) [10/80]  loss: 0.5\n')
    with pytest.raises(ValueError, match='no test line'):
        read_metric(str(empty), 'mIoU')
    with pytest.raises(ValueError, match="'mAP'"):
        read_metric(write_test_log(tmp_path, 'a', 1.0), 'mAP')
    with pytest.raises(ValueError, match='at least one arm'):
        seed_table({}, 'mIoU')


# ----------------------------------------------------------------------------------------------
# JSON logs: summaries and curves
# ----------------------------------------------------------------------------------------------
def write_log(path, records):
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    return str(path)


def epoch_log(path, acc, time=0.1):
    train = [dict(lr=1e-3, loss=2.0 - 0.1 * i, epoch=1 + i // 2, iter=10 * i + 10,
                  time=time * (1 + i % 2), data_time=0.01) for i in range(4)]
    val = [{'accuracy/top1': a, 'step': e} for e, a in enumerate(acc, 1)]
    return write_log(path, train[:2] + val[:1] + train[2:] + val[1:])


def iter_log(path):
    train = [dict(lr=1e-3, loss=1.0 / (i + 1), iter=50 * (i + 1), time=0.1, data_time=0.01)
             for i in range(4)]
    return write_log(path, train + [dict(mIoU=12.5, step=200)])


def test_summary_by_hand(tmp_path):
    one = epoch_log(tmp_path / 'a.json', [55.0, 40.0], time=0.1)  # steps 0.1, 0.2: mean 0.15
    two = epoch_log(tmp_path / 'b.json', [45.0, 60.0], time=0.05)  # mean 0.075
    r1, r2 = (summarise(p, 'accuracy/top1', batch_size=30) for p in (one, two))
    assert (r1['epochs'], r1['iters'], r1['last'], r1['best']) == (2, 40, 40.0, 55.0)
    assert r1['step_s'] == pytest.approx(0.15) and r1['data_s'] == pytest.approx(0.01)
    assert r1['img_per_s'] == pytest.approx(200) and r2['img_per_s'] == pytest.approx(400)
    out = summary_table([r1, r2], 'accuracy/top1', relative=True)
    assert out.splitlines()[-1].endswith('| 0.075 | 0.010 | 400 | 2.00 |')
    assert summarise(one, 'accuracy/top1')['img_per_s'] is None
    with pytest.raises(ValueError, match="no 'mIoU' lines"):
        summarise(one, 'mIoU')


def test_summary_skips_warmup_and_runs_without_validation(tmp_path):
    one = epoch_log(tmp_path / 'a.json', [55.0, 40.0], time=0.1)  # steps 0.1, 0.2, 0.1, 0.2
    r = summarise(one, None, batch_size=30, skip=1)  # 0.2, 0.1, 0.2: mean 0.5 / 3
    assert r['last'] is None and r['best'] is None
    assert r['step_s'] == pytest.approx(0.5 / 3) and r['img_per_s'] == pytest.approx(180)
    assert '| - | - | 0.167 | 0.010 | 180 |' in summary_table([r], None)
    with pytest.raises(ValueError, match='no training lines after the first 4'):
        summarise(one, None, skip=4)
    with pytest.raises(ValueError, match='skip must be >= 0'):
        summarise(one, None, skip=-1)


def test_read_log_groups_by_epoch_or_iteration(tmp_path):
    train, val, unit = read_log([epoch_log(tmp_path / 'a.json', [40.0, 55.0])])
    assert unit == 'epoch'
    assert dict(train) == {1: [2.0, 1.9], 2: [1.8, 1.7]}
    assert {s: v['accuracy/top1'] for s, v in val.items()} == {1: 40.0, 2: 55.0}
    train, val, unit = read_log([iter_log(tmp_path / 'b.json')])
    assert unit == 'iteration' and sorted(train) == [50, 100, 150, 200]
    assert val[200]['mIoU'] == 12.5


def test_plot_writes_png_and_rejects_bad_input(tmp_path):
    a = epoch_log(tmp_path / 'a.json', [40.0, 55.0])
    b = epoch_log(tmp_path / 'b.json', [45.0, 60.0])
    out = tmp_path / 'curves.png'
    plot_curves({'A': [a], 'B': [b]}, 'accuracy/top1', str(out), title='t')
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match='no .mIoU. in'):
        plot_curves({'A': [a]}, 'mIoU', str(out))
    with pytest.raises(ValueError, match='epoch-based and iteration-based'):
        plot_curves({'A': [a], 'C': [iter_log(tmp_path / 'c.json')]}, 'accuracy/top1', str(out))


# ----------------------------------------------------------------------------------------------
# The scripts (argument handling only; the work is the package's)
# ----------------------------------------------------------------------------------------------
def test_scripts(tmp_path):
    log = epoch_log(tmp_path / 'a.json', [40.0, 55.0])
    out = run_tool(['tools/analysis_tools/log_summary.py', log, '--batch-size', '30'])
    assert '| 2 | 40 | 55.00 | 55.00 | 0.150 | 0.010 | 200 |' in out
    with pytest.raises(AssertionError, match='give at least one test log'):
        run_tool(['tools/analysis_tools/seed_summary.py', '--arm', 'only-a-name'])
