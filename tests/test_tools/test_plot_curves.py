"""tools/analysis_tools/plot_curves.py on small mmengine-style JSON logs."""
import json

import pytest

from conftest import load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools', 'analysis_tools', 'plot_curves.py')


def write_log(path, records):
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    return str(path)


def epoch_log(path, acc):
    train = [dict(lr=1e-3, loss=2.0 - 0.1 * i, epoch=1 + i // 2, iter=10 * i, time=0.1,
                  data_time=0.01) for i in range(4)]
    val = [{'accuracy/top1': a, 'step': e} for e, a in enumerate(acc, 1)]
    return write_log(path, train[:2] + val[:1] + train[2:] + val[1:])


def iter_log(path):
    train = [dict(lr=1e-3, loss=1.0 / (i + 1), iter=50 * (i + 1), time=0.1, data_time=0.01)
             for i in range(4)]
    return write_log(path, train + [dict(mIoU=12.5, step=200)])


def test_read_log_groups_by_epoch_or_iteration(tool, tmp_path):
    train, val, unit = tool.read_log([epoch_log(tmp_path / 'a.json', [40.0, 55.0])])
    assert unit == 'epoch'
    assert dict(train) == {1: [2.0, 1.9], 2: [1.8, 1.7]}
    assert {s: v['accuracy/top1'] for s, v in val.items()} == {1: 40.0, 2: 55.0}
    train, val, unit = tool.read_log([iter_log(tmp_path / 'b.json')])
    assert unit == 'iteration' and sorted(train) == [50, 100, 150, 200]
    assert val[200]['mIoU'] == 12.5


def test_plot_writes_png_and_rejects_bad_input(tool, tmp_path):
    a = epoch_log(tmp_path / 'a.json', [40.0, 55.0])
    b = epoch_log(tmp_path / 'b.json', [45.0, 60.0])
    out = tmp_path / 'curves.png'
    tool.plot({'A': [a], 'B': [b]}, 'accuracy/top1', str(out), title='t')
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match='no .mIoU. in'):
        tool.plot({'A': [a]}, 'mIoU', str(out))
    with pytest.raises(ValueError, match='epoch-based and iteration-based'):
        tool.plot({'A': [a], 'C': [iter_log(tmp_path / 'c.json')]}, 'accuracy/top1', str(out))
