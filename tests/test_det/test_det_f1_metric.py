"""DetF1Metric on hand-made boxes whose precision and recall are counted by hand, and its
matching (mmdet's ``tpfp_default``) against the hand-written matcher it replaced."""
import numpy as np
import pytest
import torch

from det_helpers import single_thread  # noqa: F401
from mmdet.evaluation.functional import bbox_overlaps

from mmlife.det.evaluation import DetF1Metric, count_tp_fp

pytestmark = pytest.mark.usefixtures('single_thread')

CLASSES = ('a', 'b')


def sample(gt, pred, ignored=()):
    """gt / ignored: [(label, box)], pred: [(label, score, box)] -> an mmdet-style data sample."""
    def boxes(rows, i):
        return torch.tensor([r[i] for r in rows], dtype=torch.float32).reshape(-1, 4)

    def labels(rows):
        return torch.tensor([r[0] for r in rows], dtype=torch.long)

    return dict(
        gt_instances=dict(bboxes=boxes(gt, 1), labels=labels(gt)),
        ignored_instances=dict(bboxes=boxes(ignored, 1), labels=labels(ignored)),
        pred_instances=dict(bboxes=boxes(pred, 2), labels=labels(pred),
                            scores=torch.tensor([r[1] for r in pred], dtype=torch.float32)))


def evaluate(samples, **kwargs):
    metric = DetF1Metric(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def prf(tp, fp, n_gt):
    p, r = tp / (tp + fp), tp / n_gt
    return dict(F1=2 * p * r / (p + r), precision=p, recall=r)


BEST_KEYS = {'F1_best', 'best_score_thr'}


def assert_metrics(got, expected):
    """Compare the metrics at ``score_thr``; the best-F1 keys are checked by their own tests."""
    assert set(got) == set(expected) | BEST_KEYS
    for k in expected:
        assert got[k] == pytest.approx(expected[k]), k


BOX = [0, 0, 10, 10]


def test_hand_counted_two_images():
    # image 1: 3 gt (2 of class a, 1 of b)
    #   a@0.9 exact on gt a1 -> TP; a@0.8 duplicate of a1 -> FP; a@0.7 IoU 0.8 on a2 -> TP
    #   b@0.9 on the a-box (wrong class, no b there) -> FP; gt b missed -> FN
    #   a@0.3 below the score threshold -> dropped
    # image 2: 1 gt of class b; b@0.6 with IoU 25/175 < 0.5 -> FP; gt missed -> FN
    s1 = sample(gt=[(0, BOX), (0, [20, 0, 30, 10]), (1, [50, 50, 60, 60])],
                pred=[(0, .9, BOX), (0, .8, [0, 0, 10, 10.5]), (0, .7, [20, 0, 32.5, 10]),
                      (1, .9, BOX), (0, .3, [50, 50, 60, 60])])
    s2 = sample(gt=[(1, BOX)], pred=[(1, .6, [5, 5, 15, 15])])
    assert_metrics(evaluate([s1, s2]), prf(tp=2, fp=3, n_gt=4))
    # the ratios of the example above, counted once more in plain numbers
    assert evaluate([s1, s2])['precision'] == pytest.approx(0.4)
    assert evaluate([s1, s2])['recall'] == pytest.approx(0.5)


def test_score_threshold_and_iou_threshold():
    s = sample(gt=[(0, BOX)], pred=[(0, .4, [0, 0, 10, 13])])  # IoU 10/13 = 0.77
    assert_metrics(evaluate([s], score_thr=.5), dict(F1=0., precision=0., recall=0.))
    assert_metrics(evaluate([s], score_thr=.4), prf(1, 0, 1))
    assert_metrics(evaluate([s], score_thr=.4, iou_thr=.8), dict(F1=0., precision=0., recall=0.))


def test_ignored_ground_truth_counts_neither_way():
    # a detection on a 'difficult' box is neither TP nor FP; the box is not a miss
    s = sample(gt=[(0, BOX)], ignored=[(0, [30, 30, 40, 40])],
               pred=[(0, .9, BOX), (0, .8, [30, 30, 40, 40])])
    assert_metrics(evaluate([s]), prf(1, 0, 1))
    # the ignored box of another class does not shield a detection
    s = sample(gt=[(0, BOX)], ignored=[(1, [30, 30, 40, 40])],
               pred=[(0, .9, BOX), (0, .8, [30, 30, 40, 40])])
    assert_metrics(evaluate([s]), prf(1, 1, 1))


def test_higher_score_takes_the_box():
    # two detections on one box: the higher score is the TP whatever the input order
    s = sample(gt=[(0, BOX)], pred=[(0, .6, [0, 0, 10, 12]), (0, .9, [0, 0, 10, 11])])
    assert_metrics(evaluate([s]), prf(1, 1, 1))


def test_empty_predictions_and_empty_ground_truth():
    assert_metrics(evaluate([sample(gt=[(0, BOX)], pred=[])]),
                   dict(F1=0., precision=0., recall=0.))
    assert_metrics(evaluate([sample(gt=[], pred=[(1, .9, BOX)])]),
                   dict(F1=0., precision=0., recall=0.))


def test_iou_convention_against_hand_values():
    """The IoU behind the matching: continuous coordinates (no VOC-legacy +1 pixel)."""
    a = np.array([[0, 0, 10, 10], [0, 0, 0, 0]], dtype=np.float32)
    b = np.array([[5, 5, 15, 15], [0, 0, 10, 10], [20, 20, 30, 30]], dtype=np.float32)
    expected = np.array([[25 / 175, 1, 0], [0, 0, 0]])
    np.testing.assert_allclose(bbox_overlaps(a, b), expected, rtol=1e-6)


def former_match_detections(det_bboxes, det_scores, gt_bboxes, ignore_bboxes, iou_thr):
    """The hand-written matcher DetF1Metric used before mmdet's tpfp_default, kept as the
    independent reference: (tp, fp) of one image and one class, Pascal VOC style."""
    def box_iou(a, b):
        lt = np.maximum(a[:, None, :2], b[None, :, :2])
        rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
        inter = np.clip(rb - lt, 0, None).prod(-1)
        area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)
        area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)
        union = area_a[:, None] + area_b[None, :] - inter
        return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.)

    det_bboxes = det_bboxes[np.argsort(-det_scores, kind='stable')]
    all_gt = np.concatenate([gt_bboxes, ignore_bboxes])
    n_gt = len(gt_bboxes)
    if len(det_bboxes) == 0:
        return 0, 0
    if len(all_gt) == 0:
        return 0, len(det_bboxes)
    ious = box_iou(det_bboxes, all_gt)
    matched = np.zeros(n_gt, dtype=bool)
    tp = fp = 0
    for i in range(len(det_bboxes)):
        j = int(ious[i].argmax())
        if ious[i, j] < iou_thr:
            fp += 1
        elif j >= n_gt:
            continue
        elif matched[j]:
            fp += 1
        else:
            matched[j] = True
            tp += 1
    return tp, fp


def random_boxes(rng, n, size=40.):
    """``n`` boxes in a small image, so that many overlap; some repeat exactly."""
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
    if n > 2:
        boxes[-1] = boxes[0]
    return boxes


@pytest.mark.parametrize('iou_thr', [0.3, 0.5, 0.75])
def test_matching_equals_the_former_matcher(iou_thr):
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(300):
        n_det, n_gt, n_ign = rng.integers(0, 8), rng.integers(0, 6), rng.integers(0, 3)
        gt = random_boxes(rng, n_gt)
        # detections: jittered copies of ground truth boxes and random ones
        near = gt[rng.integers(0, n_gt, n_det)] + rng.normal(0, 2, (n_det, 4)) if n_gt else \
            np.zeros((0, 4))
        dets = np.concatenate([near, random_boxes(rng, n_det)])[:n_det].astype(np.float32)
        dets[:, 2:] = np.maximum(dets[:, 2:], dets[:, :2] + .5)  # keep x2 > x1, y2 > y1
        scores = rng.choice([.5, .6, .7, .9], n_det).astype(np.float32)  # with ties
        ign = random_boxes(rng, n_ign)
        got = count_tp_fp(dets, scores, gt, ign, iou_thr)
        assert got == former_match_detections(dets, scores, gt, ign, iou_thr)
        checked += got != (0, 0)
    assert checked > 200  # most cases had detections


def test_classwise_log_and_prefix():
    metric = DetF1Metric(classwise=True)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(gt=[(0, BOX)], pred=[(0, .9, BOX)])])
    out = metric.evaluate(1)
    assert out['det_f1/F1'] == pytest.approx(1.)


def random_samples(rng, n_images=4):
    """Random images with jittered and random detections of both classes, some ignored gt,
    scores with ties."""
    samples = []
    for _ in range(n_images):
        n_gt, n_det, n_ign = rng.integers(0, 6), rng.integers(0, 10), rng.integers(0, 2)
        gt = random_boxes(rng, n_gt)
        near = gt[rng.integers(0, n_gt, n_det)] + rng.normal(0, 2, (n_det, 4)) if n_gt else \
            np.zeros((0, 4))
        dets = np.concatenate([near, random_boxes(rng, n_det)])[:n_det].astype(np.float32)
        dets[:, 2:] = np.maximum(dets[:, 2:], dets[:, :2] + .5)
        scores = rng.choice([.05, .1, .2, .3, .45, .6, .8], n_det)
        samples.append(sample(
            gt=[(int(rng.integers(0, 2)), b.tolist()) for b in gt],
            ignored=[(int(rng.integers(0, 2)), b.tolist()) for b in random_boxes(rng, n_ign)],
            pred=[(int(rng.integers(0, 2)), float(s), b.tolist()) for s, b in zip(scores, dets)]))
    return samples


@pytest.mark.parametrize('seed', range(20))
def test_best_f1_equals_brute_force_over_thresholds(seed):
    rng = np.random.default_rng(seed)
    samples = random_samples(rng)
    got = evaluate(samples)
    scores = sorted({float(s) for smp in samples for s in smp['pred_instances']['scores']})
    if not scores:
        assert (got['F1_best'], got['best_score_thr']) == (0., 0.)
        return
    f1s = [(evaluate(samples, score_thr=s)['F1'], s) for s in scores]
    best = max(f for f, _ in f1s)
    assert got['F1_best'] == pytest.approx(best)
    if best > 0:  # on a tie of F1, the highest such threshold
        assert got['best_score_thr'] == max(s for f, s in f1s if f == pytest.approx(best))
    # the metrics at score_thr are unchanged by the sweep
    at_thr = evaluate(samples, score_thr=.5)
    assert {k: got[k] for k in ('F1', 'precision', 'recall')} == \
        {k: at_thr[k] for k in ('F1', 'precision', 'recall')}


def test_best_f1_hand_counted():
    # 2 gt; a@0.4 TP, a@0.3 FP, a@0.2 TP: F1 at 0.4 = 2/3, at 0.3 = 1/2, at 0.2 = 2*(2/3)/(5/3)
    s = sample(gt=[(0, BOX), (0, [20, 0, 30, 10])],
               pred=[(0, .4, BOX), (0, .3, [50, 50, 60, 60]), (0, .2, [20, 0, 30, 10])])
    got = evaluate([s])
    assert got['F1_best'] == pytest.approx(.8)
    assert got['best_score_thr'] == pytest.approx(.2)


def test_best_f1_with_all_scores_below_score_thr():
    # a focal head: every score < 0.5, so nothing is kept at score_thr = 0.5
    s = sample(gt=[(0, BOX), (1, [20, 0, 30, 10])],
               pred=[(0, .3, BOX), (1, .2, [20, 0, 30, 10]), (1, .1, [50, 50, 60, 60])])
    got = evaluate([s])
    assert got['F1'] == 0.
    assert got['F1_best'] == pytest.approx(1.)
    assert got['best_score_thr'] == pytest.approx(.2)


def test_best_f1_ties_are_kept_together():
    # two detections tied at 0.5: one TP, one FP; no threshold separates them
    s = sample(gt=[(0, BOX)], pred=[(0, .5, BOX), (0, .5, [50, 50, 60, 60])])
    got = evaluate([s])
    assert got['F1_best'] == pytest.approx(2 / 3)
    assert got['best_score_thr'] == pytest.approx(.5)


def test_best_f1_without_detections():
    got = evaluate([sample(gt=[(0, BOX)], pred=[]), sample(gt=[(1, BOX)], pred=[])])
    assert (got['F1_best'], got['best_score_thr']) == (0., 0.)
    got = evaluate([sample(gt=[], pred=[])])
    assert (got['F1_best'], got['best_score_thr']) == (0., 0.)


@pytest.mark.parametrize('kwargs', [dict(iou_thr=0), dict(iou_thr=1.5), dict(score_thr=-.1)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        DetF1Metric(**kwargs)
