"""det_overfit: the recall / distinct-box / spread numbers on hand-made boxes, the verdict, and a
tiny synthetic run on CPU that returns a well-formed report; bad arguments are rejected."""
import json
import os.path as osp
import runpy

import pytest
import torch

from mmlife.analysis.det_overfit import (DROPOUT_HINT, count_recalled, det_overfit,
                                         deterministic_pipeline, query_spread,
                                         synthetic_batch, verdict)
from mmlife.det.evaluation import count_distinct_boxes

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'detection', 'detr',
                  'detr_deit-tiny_encdec-linear_1xb16-150e_groceries-320x320.py')
TINY = {'model.encoder.num_layers': 1, 'model.decoder.num_layers': 2, 'model.num_queries': 10,
        'model.test_cfg.max_per_img': 10,
        'model.encoder.layer_cfg.ffn_cfg.feedforward_channels': 64,
        'model.decoder.layer_cfg.ffn_cfg.feedforward_channels': 64}


def test_distinct_boxes_by_hand():
    a = [10., 10., 30., 30.]
    assert count_distinct_boxes(torch.tensor([a] * 5)) == 1
    assert count_distinct_boxes([a, [10.5, 10., 30., 30.5], [50., 50., 70., 70.]]) == 2
    assert count_distinct_boxes([a, [10., 10., 30., 31.5]]) == 2  # one corner 1.5 px off
    assert count_distinct_boxes([a, [10., 10., 30., 31.5]], tol_px=2) == 1
    # greedy chain: b is within 1 px of a, c within 1 px of b but not of a -> a and c count
    assert count_distinct_boxes([a, [10.8] * 2 + [30.] * 2, [11.6] * 2 + [30.] * 2]) == 2
    assert count_distinct_boxes(torch.zeros(0, 4)) == 0


def test_recall_by_hand():
    gt = torch.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.], [50., 50., 60., 60.]])
    pred = torch.tensor([[0., 0., 10., 5.],     # IoU 0.5 with gt 0
                         [20., 20., 30., 24.],  # IoU 0.4 with gt 1
                         [50., 50., 60., 60.]])  # IoU 1 with gt 2, but a low score
    scores = torch.tensor([0.9, 0.9, 0.2])
    assert count_recalled(gt, pred, scores) == 1
    assert count_recalled(gt, pred, scores, score_thr=0.1) == 2
    assert count_recalled(gt, pred, scores, iou_thr=0.4, score_thr=0.1) == 3
    assert count_recalled(gt, pred, scores, iou_thr=0.51, score_thr=0.1) == 1
    assert count_recalled(gt, pred, torch.zeros(3)) == 0
    # one box covering two overlapping gts recalls both
    same = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 9.]])
    assert count_recalled(same, same[:1], torch.ones(1)) == 2
    # with labels, only a prediction of the ground truth's class counts
    labels = torch.tensor([0, 1, 1])
    assert count_recalled(gt, pred, scores, iou_thr=0.4, score_thr=0.1, gt_labels=labels,
                          pred_labels=torch.tensor([0, 1, 1])) == 3
    assert count_recalled(gt, pred, scores, iou_thr=0.4, score_thr=0.1, gt_labels=labels,
                          pred_labels=torch.tensor([1, 0, 0])) == 0
    assert count_recalled(gt, pred, scores, iou_thr=0.4, score_thr=0.1, gt_labels=labels,
                          pred_labels=torch.tensor([0, 0, 1])) == 2
    with pytest.raises(ValueError, match='both gt_labels and pred_labels'):
        count_recalled(gt, pred, scores, gt_labels=labels)


def test_query_spread_by_hand():
    hs = torch.zeros(2, 1, 3, 2)  # layers, images, queries, channels
    hs[0] = torch.tensor([[1., 2.], [1., 2.], [1., 2.]])  # identical queries: spread 0
    hs[1] = torch.tensor([[0., 1.], [1., 1.], [2., 1.]])  # std (unbiased) 1 and 0 -> mean 0.5
    s = query_spread(hs)
    assert s[0]['spread'] == 0 and s[1]['spread'] == pytest.approx(0.5)
    assert s[1]['relative'] == pytest.approx(0.5 / (8 / 6) ** 0.5)


def test_verdicts():
    v, hint = verdict(recall=0., distinct_eval=1., distinct_train=40., dropout=0.1)
    assert v == 'queries collapsed' and DROPOUT_HINT in hint and '40.0' in hint
    v, hint = verdict(recall=0., distinct_eval=1.5, distinct_train=1., dropout=0.)
    assert v == 'queries collapsed' and 'dropout' in hint and '--iters' in hint
    assert verdict(1., 30., 30., 0.)[0] == 'fits'
    assert verdict(0.8, 2., 30., 0.)[0] == 'fits'
    v, hint = verdict(0.5, 30., 30., 0.1)
    assert v == 'does not fit' and DROPOUT_HINT in hint


def test_deterministic_pipeline():
    pipe = [dict(type='LoadImageFromFile'), dict(type='RandomFlip', prob=0.5),
            dict(type='RandomApply', transforms=[]), dict(type='Resize', scale=(320, 320)),
            dict(type='PackDetInputs')]
    steps, dropped = deterministic_pipeline(pipe, 64)
    assert dropped == ['RandomFlip', 'RandomApply']
    assert [s['type'] for s in steps] == ['LoadImageFromFile', 'Resize', 'PackDetInputs']
    assert steps[1]['scale'] == (64, 64) and pipe[3]['scale'] == (320, 320)  # input unchanged
    # DETR's own RandomChoice of resizes: dropped, a plain Resize goes before the packing
    steps, dropped = deterministic_pipeline([pipe[0], dict(type='RandomChoice'), pipe[-1]], 96)
    assert dropped == ['RandomChoice'] and steps[1] == dict(type='Resize', scale=(96, 96),
                                                            keep_ratio=False)
    # no size: only the random transforms go; the Resize is kept as it is, none is added
    steps, dropped = deterministic_pipeline(pipe)
    assert dropped == ['RandomFlip', 'RandomApply'] and steps[1] == pipe[3]
    steps, _ = deterministic_pipeline([pipe[0], pipe[-1]])
    assert [s['type'] for s in steps] == ['LoadImageFromFile', 'PackDetInputs']


def test_synthetic_batch_draws_its_boxes():
    batch = synthetic_batch(3, 64, num_classes=5, seed=1)
    assert len(batch['inputs']) == 3
    for img, sample in zip(batch['inputs'], batch['data_samples']):
        assert img.shape == (3, 64, 64) and img.dtype == torch.uint8
        boxes, labels = sample.gt_instances.bboxes, sample.gt_instances.labels
        assert 1 <= len(boxes) <= 4 and labels.max() < 5
        assert (boxes >= 0).all() and (boxes <= 64).all() and (boxes[:, 2:] > boxes[:, :2]).all()
        x1, y1, x2, y2 = boxes[-1].int().tolist()  # drawn last: its colour everywhere inside
        inside = img[:, y1:y2, x1:x2].reshape(3, -1)
        assert (inside == inside[:, :1]).all() and inside.min() >= 60  # background < 40
    assert torch.equal(synthetic_batch(3, 64, 5, seed=1)['inputs'][0], batch['inputs'][0])


def test_tiny_synthetic_run(tmp_path, capsys):
    out = tmp_path / 'r.json'
    tool = osp.join(REPO, 'tools', 'analysis_tools', 'det_overfit.py')
    main = runpy.run_path(tool)['main']
    report = main([CONFIG, '--synthetic', '--num-images', '2', '--iters', '3', '--size', '32',
                   '--device', 'cpu', '--log-interval', '2', '--out', str(out), '--cfg-options',
                   *[f'{k}={v}' for k, v in TINY.items()],
                   'model.decoder.layer_cfg.ffn_cfg.ffn_drop=0.1'])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report['synthetic'] and report['size'] == 32 and report['num_images'] == 2
    assert report['dropped_transforms'] == ['RandomFlip', 'RandomApply']
    assert report['transformer_dropout'] == pytest.approx(0.1)
    assert [r['iter'] for r in report['loss_history']] == [1, 2, 3]
    assert set(report['final_losses']) == {'loss', 'loss_cls', 'loss_bbox', 'loss_iou'}
    assert report['num_queries'] == 10 and len(report['query_spread']) == 2
    assert len(report['per_image']) == 2
    for info in report['per_image']:
        assert 1 <= info['distinct_eval'] <= 10 and 1 <= info['distinct_train'] <= 10
        assert 1 <= info['gts'] <= 4 and 0 <= info['recalled'] <= info['gts']
        assert 0 <= info['recalled_with_class'] <= info['recalled']
    assert report['gts'] == sum(i['gts'] for i in report['per_image'])
    assert report['class_recall'] == pytest.approx(
        sum(i['recalled_with_class'] for i in report['per_image']) / report['gts'])
    assert 0 <= report['recall'] <= 1 and report['verdict'] in ('fits', 'queries collapsed',
                                                                 'does not fit')
    text = capsys.readouterr().out
    assert 'iter 2/3' in text and f"verdict: {report['verdict']}" in text


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_images=0), 'num_images must be an int >= 1'),
    (dict(iters=0), 'iters must be an int >= 1'),
    (dict(size=72), 'multiple of the backbone patch size 16'),
    (dict(size=8), 'size must be an int >= 16'),
    (dict(lr=0.), 'lr must be > 0'),
    (dict(backbone_lr_mult=-1.), 'backbone_lr_mult must be >= 0'),
    (dict(score_thr=1.5), 'score_thr must be in'),
    (dict(device='tpu'), "device must be 'cpu' or 'cuda'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, RuntimeError), match=match):
        det_overfit(CONFIG, **dict(dict(iters=1, synthetic=True, log=None), **kwargs))


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the message without CUDA')
def test_cuda_without_cuda():
    with pytest.raises(ValueError, match='CUDA is not available'):
        det_overfit(CONFIG, iters=1, synthetic=True, device='cuda', log=None)


def test_not_a_training_config(tmp_path):
    cfg = tmp_path / 'c.py'
    cfg.write_text('model = dict(type="DETR")\n')
    with pytest.raises(ValueError, match='not a training config'):
        det_overfit(str(cfg), iters=1, synthetic=True, log=None)


def test_cfg_option_typo_fails():
    # a misspelt dropout key would otherwise leave the config's dropout as it is, silently
    from mmlife.utils import ConfigKeyError
    with pytest.raises(ConfigKeyError, match="Did you mean 'ffn_drop'"):
        det_overfit(CONFIG, iters=1, synthetic=True, log=None,
                    cfg_options={'model.decoder.layer_cfg.ffn_cfg.ffn_dorp': 0.1})
