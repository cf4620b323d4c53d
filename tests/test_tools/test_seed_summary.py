"""tools/analysis_tools/seed_summary.py on small tools/test.py-style logs."""
import pytest

from conftest import load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools', 'analysis_tools', 'seed_summary.py')


def write_test_log(tmp_path, name, miou):
    path = tmp_path / f'{name}.log'
    path.write_text(
        '11/24 17:02:04 - mmengine - INFO - Iter(test) [ 50/233]    eta: 0:00:05  time: 0.0140\n'
        f'11/24 17:02:06 - mmengine - INFO - Iter(test) [233/233]    aAcc: 71.0400  '
        f'mIoU: {miou:.4f}  mAcc: 37.3100  data_time: 0.0026  time: 0.0145\n'
        "{'aAcc': np.float32(71.04)}\n")
    return str(path)


def test_means_spreads_and_paired_differences(tool, tmp_path, capsys):
    base = [write_test_log(tmp_path, f'b{i}', v) for i, v in enumerate((28.0, 29.0, 30.0))]
    life = [write_test_log(tmp_path, f'l{i}', v) for i, v in enumerate((29.0, 29.5, 31.5))]
    arms = tool.main(['--metric', 'mIoU', '--arm', 'base', *base, '--arm', 'life', *life])
    assert arms == {'base': [28.0, 29.0, 30.0], 'life': [29.0, 29.5, 31.5]}
    out = capsys.readouterr().out
    # base: mean 29, sample std 1; differences +1, +0.5, +1.5: mean +1, sample std 0.5
    assert '| base | 3 | 28.00, 29.00, 30.00 | 29.00 | 1.00 |' in out
    assert '| diff life - base | 3 | +1.00, +0.50, +1.50 | +1.00 | 0.50 |' in out


def test_metric_names_match_whole_words(tool, tmp_path):
    # 'mIoU' must not be read from a key that merely ends in it
    path = tmp_path / 'x.log'
    path.write_text('Iter(test) [1/1]    bmIoU: 99.0000  mIoU: 12.5000\n')
    assert tool.read_metric(str(path), 'mIoU') == 12.5


def test_unpaired_arms_are_said_not_paired(tool, tmp_path, capsys):
    b_logs = [write_test_log(tmp_path, 'b0', 2.0), write_test_log(tmp_path, 'b1', 3.0)]
    tool.main(['--metric', 'mIoU', '--arm', 'a', write_test_log(tmp_path, 'a', 1.0),
               '--arm', 'b', *b_logs])
    out = capsys.readouterr().out
    assert 'not paired' in out and 'diff' not in out
    assert '| a | 1 | 1.00 | 1.00 | - |' in out


def test_bad_input(tool, tmp_path):
    empty = tmp_path / 'train.log'
    empty.write_text('Iter(train) [10/80]  loss: 0.5\n')
    with pytest.raises(ValueError, match='no test line'):
        tool.main(['--metric', 'mIoU', '--arm', 'a', str(empty)])
    with pytest.raises(ValueError, match="'mAP'"):
        tool.main(['--metric', 'mAP', '--arm', 'a', write_test_log(tmp_path, 'a', 1.0)])
    with pytest.raises(SystemExit):
        tool.main(['--arm', 'only-a-name'])
