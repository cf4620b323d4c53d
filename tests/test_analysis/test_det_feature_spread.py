"""det_feature_spread: the token-spread numbers on hand-made tokens (constant, iid, padded), the
stages of a tiny DETR and Conditional DETR on a fabricated VOC set, bad input rejected."""
import os.path as osp
import sys

import pytest
import torch

from mmlife.analysis.det_feature_spread import det_feature_spread, format_table, token_spread

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_det'))
from det_helpers import REPO, make_voc_layout, single_thread  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures('single_thread')
TINY = {'model.encoder.num_layers': 2, 'model.decoder.num_layers': 3, 'model.num_queries': 5,
        'model.encoder.layer_cfg.ffn_cfg.feedforward_channels': 32,
        'model.decoder.layer_cfg.ffn_cfg.feedforward_channels': 32}


def test_token_spread_by_hand():
    const = torch.ones(2, 10, 4) * torch.tensor([1., -2., 3., 0.5])
    assert token_spread(const) == dict(spread=0., relative=0.)
    g = torch.Generator().manual_seed(0)
    iid = torch.randn(2, 4000, 8, generator=g) * 3
    r = token_spread(iid)
    assert abs(r['spread'] - 3) < 0.1 and abs(r['relative'] - 1) < 0.03
    # the std of channel values [0, 2] is sqrt(2); the RMS of the tokens sqrt(2)
    two = torch.tensor([[[0.], [2.]]])
    r = token_spread(two)
    assert r['spread'] == pytest.approx(2 ** 0.5) and r['relative'] == pytest.approx(1.)
    # padded positions are left out: constant where valid, noise where padded -> 0
    padded = torch.cat([const, torch.randn(2, 3, 4, generator=g)], 1)
    mask = torch.zeros(2, 13, dtype=torch.bool)
    mask[:, 10:] = True
    assert token_spread(padded, mask)['spread'] == pytest.approx(0., abs=1e-6)
    assert token_spread(padded)['spread'] > 0.1


def test_token_spread_bad_input():
    with pytest.raises(ValueError, match='B x N x C'):
        token_spread(torch.zeros(4, 5))
    with pytest.raises(ValueError, match='padding_mask'):
        token_spread(torch.zeros(1, 5, 2), torch.zeros(1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match='at least 2 valid'):
        token_spread(torch.zeros(1, 3, 2), torch.tensor([[False, True, True]]))


@pytest.mark.parametrize('config', [
    'detr/detr_deit-tiny-life_encdec-life_1xb4-300e_bccd-512x512.py',
    'conditional_detr/conditional-detr_deit-tiny-imagenette-pre_encdec-linear_'
    '1xb4-100e_bccd-512x512.py'])
def test_stages_of_a_tiny_detector(tmp_path, config):
    root = make_voc_layout(str(tmp_path / 'BCCD'))
    opts = dict(TINY, **{f'{s}_dataloader.dataset.data_root': root + '/'
                         for s in ('train', 'val', 'test')})
    opts['model.backbone.init_cfg'] = None  # no pre-trained file here: random init
    path = osp.join(REPO, 'configs', 'detection', config)
    report = det_feature_spread(path, None, 'val', 2, size=64, cfg_options=opts)
    stages = [r['stage'] for r in report['rows']]
    assert stages == ['backbone', 'neck', 'encoder.0', 'encoder.1', 'memory', 'decoder.0',
                      'decoder.1', 'decoder.2']
    rows = {r['stage']: r for r in report['rows']}
    # the memory is the last layer's output
    assert rows['memory']['spread'] == rows['encoder.1']['spread']
    for r in report['rows']:
        assert 0 <= r['relative'] < 2 and r['spread'] >= 0
    assert 0.3 < rows['backbone']['relative']  # random images, random weights: tokens differ
    table = format_table(report)
    assert table.count('\n') == len(stages) + 1 and '| memory |' in table
    train = det_feature_spread(path, None, 'train', 1, size=64, cfg_options=opts)
    again = det_feature_spread(path, None, 'train', 1, size=64, cfg_options=opts)
    assert [r['stage'] for r in train['rows']] == stages
    with pytest.raises(ValueError, match="split must be"):
        det_feature_spread(path, None, 'trainval', cfg_options=opts)
    with pytest.raises(ValueError, match='num_images is 9'):
        det_feature_spread(path, None, 'val', 9, size=64, cfg_options=opts)
    assert train['rows'][0]['spread'] == pytest.approx(again['rows'][0]['spread'])


def test_tool_prints_the_table_and_writes_json(tmp_path, capsys):
    import json
    import runpy
    root = make_voc_layout(str(tmp_path / 'BCCD'))
    path = osp.join(REPO, 'configs', 'detection', 'detr',
                    'detr_deit-tiny_encdec-linear_1xb4-300e_bccd-512x512.py')
    opts = [f'{k}={v}' for k, v in TINY.items()] + [
        f'{s}_dataloader.dataset.data_root={root}/' for s in ('val', 'train', 'test')]
    out = tmp_path / 'spread.json'
    tool = runpy.run_path(osp.join(REPO, 'tools', 'analysis_tools', 'det_feature_spread.py'))
    report = tool['main']([path, '--num-images', '1', '--size', '32', '--out', str(out),
                           '--cfg-options', *opts])
    assert '| stage | spread | relative |' in capsys.readouterr().out
    assert json.loads(out.read_text())['rows'] == report['rows']
