"""tools/analysis_tools/benchmark.py: a tiny CPU run writes a consistent report."""
import json

import pytest

from conftest import load_tool


def load_benchmark():
    return load_tool('tools', 'analysis_tools', 'benchmark.py')


def test_smoke_run_on_cpu(tmp_path, capsys):
    bench = load_benchmark()
    out = tmp_path / 'bench.json'
    report = bench.main(['--device', 'cpu', '--smoke', '--archs', 'deit-tiny', '--settings',
                         '32', '--out', str(out)])
    with open(out) as f:
        saved = json.load(f)
    assert saved['rows'] == json.loads(json.dumps(report['rows']))
    (row, ) = saved['rows']
    assert (row['arch'], row['img_size'], row['patch_size'], row['batch_size']) == \
        ('deit-tiny', 16, 4, 2)
    plain, life = row['plain'], row['life']
    assert life['params'] > plain['params']  # LIFE adds depthwise convs and biases
    for m in (plain, life):
        assert m['train_img_s'] > 0 and m['infer_img_s'] > 0
        assert m['peak_mem_bytes'] is None  # CPU: not measured
        assert m['train_img_s'] == pytest.approx(2 / m['train_step_s'])
    assert row['train_ratio'] == pytest.approx(life['train_img_s'] / plain['train_img_s'])
    assert row['infer_ratio'] == pytest.approx(life['infer_img_s'] / plain['infer_img_s'])
    (micro, ) = saved['micro']
    assert micro['embed_dims'] == 192 and micro['hw'] == [4, 4]
    assert set(micro['times']) == {'linear', 'reference'}  # no fast path on a CPU
    assert saved['env']['device'] == 'cpu'
    printed = capsys.readouterr().out
    assert '| deit-tiny | 16px/p4 | 2 |' in printed and 'LIFE-only' in printed


@pytest.mark.parametrize('argv, message', [
    (['--steps', '0'], '--steps must be positive'),
    (['--settings', '64'], 'invalid choice'),
])
def test_bad_arguments(argv, message, capsys):
    bench = load_benchmark()
    with pytest.raises(SystemExit):
        bench.main(['--device', 'cpu', *argv])
    assert message in capsys.readouterr().err


def test_unknown_arch_is_reported():
    bench = load_benchmark()
    with pytest.raises(ValueError, match="unknown arch 'deit-huge'"):
        bench.main(['--device', 'cpu', '--smoke', '--archs', 'deit-huge', '--settings', '32',
                    '--out', ''])
