"""mmlife.analysis.benchmark (tools/analysis_tools/benchmark.py): tiny CPU runs of every mode
write consistent reports."""
import json

import pytest

from mmlife.analysis import benchmark as bench
from mmlife.analysis.runner_profile import PHASES


def test_smoke_run_on_cpu(tmp_path, capsys):
    out = tmp_path / 'bench.json'
    report = bench.main(['--device', 'cpu', '--smoke', '--archs', 'deit-tiny', '--settings',
                         '32', '--out', str(out)])
    with open(out) as f:
        saved = json.load(f)
    assert saved['complete'] is True and not (tmp_path / 'bench.json.tmp').exists()
    assert saved['rows'] == json.loads(json.dumps(report['rows']))
    (row, ) = saved['rows']
    assert (row['mode'], row['arch'], row['img_size'], row['patch_size'], row['batch_size']) == \
        ('eager', 'deit-tiny', 16, 4, 2)
    plain, life = row['plain'], row['life']
    assert life['params'] > plain['params']  # LIFE adds depthwise convs and biases
    for m in (plain, life):
        assert m['train_img_s'] > 0 and m['infer_img_s'] > 0
        assert m['peak_mem_bytes'] is None  # CPU: not measured
        assert m['train_img_s'] == pytest.approx(2 / m['train_step_s'])
    assert row['train_ratio'] == pytest.approx(life['train_img_s'] / plain['train_img_s'])
    assert row['infer_ratio'] == pytest.approx(life['infer_img_s'] / plain['infer_img_s'])
    deit, detr, swin = saved['micro']
    assert deit['embed_dims'] == 192 and deit['hw'] == [4, 4] and deit['extra'] == 1
    assert (detr['row'], detr['embed_dims'], detr['mask'], detr['extra']) == \
        ('detr', 256, True, 0)
    assert (swin['row'], swin['embed_dims'], swin['hw']) == ('swinv2', 96, [8, 8])
    for m in saved['micro']:
        assert set(m['times']) == {'linear', 'reference', 'tokens'}  # no fast path on a CPU
        assert all(t['fwd_bwd_s'] > 0 for t in m['times'].values())
    assert saved['env']['device'] == 'cpu'
    printed = capsys.readouterr().out
    assert '| eager | deit-tiny | 16px/p4 | 2 |' in printed and 'LIFE-only' in printed
    assert '| eager | detr | 256 | 4x4+0 mask | 1 |' in printed


@pytest.mark.parametrize('life_impl', [None, 'tokens'])
def test_compiled_mode_compiles_each_callable_once(tmp_path, capsys, monkeypatch, life_impl):
    # both arms through torch.compile ('aot_eager' needs no C++ compiler). Every compiled
    # callable must see one grad mode and one input shape, so dynamo compiles one frame per
    # callable: a callable used with and without grad, or on two batch sizes, recompiles, and a
    # graph break (mmpretrain's numpy drop-path rates) compiles extra frames; either way the
    # compiled numbers then measure recompiles and eager fallbacks
    torch = pytest.importorskip('torch')
    from torch._dynamo.utils import counters
    try:
        torch.compile(lambda t: t + 1, backend='aot_eager')(torch.zeros(1))
    except Exception as err:  # noqa: BLE001  (no working torch.compile here)
        pytest.skip(f'torch.compile unavailable: {err}')
    made = []
    compile_one = bench.maybe_compile
    monkeypatch.setattr(bench, 'maybe_compile',
                        lambda fn, args: made.append(fn) or compile_one(fn, args))
    counters.clear()
    out = tmp_path / 'bench.json'
    # batch 3: the LIFE-only host timing on 2 images is another input shape
    report = bench.main(['--device', 'cpu', '--smoke', '--modes', 'compiled', '--archs',
                         'deit-tiny', '--settings', '32', '--micro-extra', '--batch-size', '3',
                         '--compile-backend', 'aot_eager', '--out', str(out)] +
                        (['--life-impl', life_impl] if life_impl else []))
    assert dict(counters['frames']) == dict(total=len(made), ok=len(made))
    # plain and LIFE: train + infer; LIFE-only: Linear, reference and tokens x (fwd, fwd_bwd,
    # host)
    assert len(made) == 2 * 2 + 3 * 3
    assert not counters['graph_break']
    (row, ) = report['rows']
    assert row['mode'] == 'compiled' and row['train_ratio'] > 0 and row['infer_ratio'] > 0
    (micro, ) = report['micro']
    assert micro['mode'] == 'compiled' and micro['times']['reference']['fwd_bwd_s'] > 0
    assert micro['times']['tokens']['fwd_bwd_s'] > 0
    assert json.load(open(out))['compile_backend'] == 'aot_eager'
    assert '| compiled | deit-tiny | 16px/p4 | 3 |' in capsys.readouterr().out


def test_rows_are_saved_as_they_are_measured(tmp_path, monkeypatch):
    # a run killed by a time limit keeps its finished rows, marked incomplete
    out = tmp_path / 'bench.json'
    measure_row = bench.measure_row

    def measure_then_check(*args, **kwargs):
        if json.loads(out.read_text())['rows'] if out.exists() else False:
            raise KeyboardInterrupt  # the second row: stop here, as a timeout would
        return measure_row(*args, **kwargs)

    monkeypatch.setattr(bench, 'measure_row', measure_then_check)
    with pytest.raises(KeyboardInterrupt):
        bench.main(['--device', 'cpu', '--smoke', '--archs', 'deit-tiny', 'deit-small',
                    '--settings', '32', '--no-micro', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved['complete'] is False
    assert [r['arch'] for r in saved['rows']] == ['deit-tiny']


@pytest.mark.parametrize('split, min_k, launches',
                         [(True, 1, (5, 7)), (False, 1, (3, 5)), (True, 384, (3, 5))],
                         ids=['split-conv', 'fused-conv', 'default-width-rule'])
def test_host_mode_counts_launches(tmp_path, capsys, monkeypatch, split, min_k, launches):
    pytest.importorskip('triton')
    from mmlife.models.layers import life_launch
    monkeypatch.setattr(life_launch, 'SPLIT_CONV', split)
    monkeypatch.setattr(life_launch, 'SPLIT_CONV_MIN_K', min_k)
    report = bench.main(['--device', 'cpu', '--smoke', '--modes', 'host', '--out',
                         str(tmp_path / 'b.json')])
    (host, ) = report['host']
    # three scales: fused, 3 kernel launches forward and 3 + 2 backward (one a scale, two conv
    # gradients); with the conv launches split, one more each way for each of the two convs
    # (the smoke model's convs are narrower than the default SPLIT_CONV_MIN_K: fused)
    assert (host['fast_fwd_launches'], host['fast_bwd_launches']) == launches
    assert report['env']['life_launch']['SPLIT_CONV'] is split
    assert report['env']['life_launch']['SPLIT_CONV_MIN_K'] == min_k
    for k in ('linear', 'reference', 'fast'):
        assert host[f'{k}_host_fwd_bwd_s'] > 0
    assert 'Host time of one fwd+bwd' in capsys.readouterr().out


def test_e2e_mode_runs_the_runner_on_cpu(tmp_path, capsys):
    out, prof = tmp_path / 'bench.json', tmp_path / 'profile.md'
    report = bench.main(['--device', 'cpu', '--smoke', '--modes', 'e2e', '--e2e-workers', '0',
                         '--e2e-profile', str(prof), '--out', str(out), '--e2e-cfg-options',
                         'default_hooks.runtime_info.type=RuntimeInfoHook'])
    plain, life = report['e2e']
    assert plain['cfg_options'] == {'default_hooks.runtime_info.type': 'RuntimeInfoHook'}
    assert plain['config'].endswith('deit-tiny_p4_8xb64_cifar10.py')
    assert life['config'].endswith('deit-tiny-life_p4_8xb64_cifar10.py')
    for r in (plain, life):
        assert r['iters'] == 2 and r['batch_size'] == 2 and r['img_s'] > 0
        assert r['img_s'] == pytest.approx(r['iters'] * r['batch_size'] / r['seconds'])
        assert 0 <= r['data_wait_s'] < r['seconds'] / r['iters']
        assert r['loader_img_s'] > 0
        assert r['cuda_syncs_per_iter'] is None  # counted on CUDA only
        # the profiled iterations come after the timed ones: every phase once an iteration
        p = r['profile']
        assert p['iters'] == 2 and list(p['phases']) == list(PHASES)
        assert all(p['phases'][k]['calls'] == 1 for k in PHASES if k != 'hooks')
        assert p['phases']['hooks']['calls'] == 2  # before and after the iteration
        # disjoint ranges inside the iteration (the loop's hooks between epochs are not counted)
        inner = sum(p['phases'][k]['host_ms'] for k in PHASES[1:])
        assert 0 < inner <= p['phases']['iteration']['host_ms']
        assert p['top_ops'] and all(o['op'].startswith('aten::') for o in p['top_ops'])
    # LIFE adds its depthwise convolutions: more aten calls an iteration
    assert life['profile']['aten_calls'] > plain['profile']['aten_calls']
    text = prof.read_text()
    assert text.count('| optimizer step |') == 2 and 'deit-tiny-life_p4_8xb64_cifar10.py' in text
    assert 'LIFE / plain' in capsys.readouterr().out


def test_synthetic_dataset():
    from mmlife.analysis.synthetic_data import SyntheticImageDataset
    ds = SyntheticImageDataset(num_samples=5, img_size=8, num_classes=3, num_distinct=2)
    assert len(ds) == 5
    a, c = ds[0], ds[2]
    assert a['img'].shape == (8, 8, 3) and (a['img'] == c['img']).all()  # 2 distinct images
    assert 0 <= a['gt_label'] < 3 and ds.metainfo['classes'] == ['0', '1', '2']
    with pytest.raises(ValueError, match='img_size must be a positive int'):
        SyntheticImageDataset(num_samples=5, img_size=0, num_classes=3)


@pytest.mark.parametrize('argv, message', [
    (['--steps', '0'], '--steps must be positive'),
    (['--e2e-sync-iters', '-1'], '--e2e-sync-iters must be positive'),
    (['--settings', '64'], 'invalid choice'),
    (['--modes', 'fastest'], 'invalid choice'),
])
def test_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit):
        bench.main(['--device', 'cpu', *argv])
    assert message in capsys.readouterr().err


def test_unknown_arch_is_reported():
    with pytest.raises(ValueError, match="unknown arch 'deit-huge'"):
        bench.main(['--device', 'cpu', '--smoke', '--archs', 'deit-huge', '--settings', '32',
                    '--out', ''])


def test_tool_script_is_thin():
    from conftest import load_tool
    assert load_tool('tools', 'analysis_tools', 'benchmark.py').main is bench.main


def test_life_launch_alt_adds_an_interleaved_arm(tmp_path, capsys):
    report = bench.main(['--device', 'cpu', '--smoke', '--no-micro', '--archs', 'deit-tiny',
                         '--settings', '32', '--life-launch-alt', 'SPLIT_CONV=0',
                         'DW_PROGRAMS_PER_SM=4', '--out', str(tmp_path / 'b.json')])
    (row, ) = report['rows']
    assert row['life_launch_alt'] == {'SPLIT_CONV': False, 'DW_PROGRAMS_PER_SM': 4}
    assert row['life_alt']['params'] == row['life']['params']
    assert row['alt_train_ratio'] == pytest.approx(
        row['life_alt']['train_img_s'] / row['plain']['train_img_s'])
    assert 'alt' in capsys.readouterr().out
    from mmlife.models.layers import life_launch
    assert (life_launch.SPLIT_CONV, life_launch.DW_PROGRAMS_PER_SM,
            life_launch.SPLIT_CONV_MIN_K) == (True, 3, 384)  # restored


@pytest.mark.parametrize('item', ['FOO=1', 'SPLIT_CONV', 'SPLIT_CONV=maybe',
                                  'DW_PROGRAMS_PER_SM=0', 'DW_PROGRAMS_PER_SM=two',
                                  'SPLIT_CONV_MIN_K=0'])
def test_life_launch_alt_rejects_bad_settings(item, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(['--device', 'cpu', '--life-launch-alt', item])
    assert '--life-launch-alt' in capsys.readouterr().err
