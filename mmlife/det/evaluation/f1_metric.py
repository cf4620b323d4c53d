"""Detection precision, recall and F1 at one IoU and one score threshold, and the best F1
over all score thresholds."""
from collections import OrderedDict
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmdet.evaluation.functional.mean_ap import tpfp_default
from mmdet.registry import METRICS


def tp_fp_flags(det_bboxes, det_scores, gt_bboxes, ignore_bboxes, iou_thr):
    """Per-detection ``(tp, fp)`` flags (bool arrays, in the input order) of one image and one
    class, with mmdet's Pascal VOC matching; see :func:`count_tp_fp`."""
    n = len(det_bboxes)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    dets = np.concatenate([np.reshape(det_bboxes, (-1, 4)), np.reshape(det_scores, (-1, 1))],
                          axis=1)
    tp, fp = tpfp_default(dets, np.reshape(gt_bboxes, (-1, 4)),
                          np.reshape(ignore_bboxes, (-1, 4)), iou_thr=iou_thr,
                          use_legacy_coordinate=False)
    return tp[0].astype(bool), fp[0].astype(bool)


def count_tp_fp(det_bboxes, det_scores, gt_bboxes, ignore_bboxes, iou_thr):
    """``(tp, fp)`` of one image and one class, with mmdet's Pascal VOC matching
    (``mmdet.evaluation.functional.mean_ap.tpfp_default``, continuous coordinates).

    Detections are taken by decreasing score; each one is matched to the ground truth box it
    overlaps most. IoU >= ``iou_thr`` with a not yet matched box is a true positive; with an
    already matched box, or below ``iou_thr``, a false positive; with an ignored box
    (``difficult``), neither.
    """
    tp, fp = tp_fp_flags(det_bboxes, det_scores, gt_bboxes, ignore_bboxes, iou_thr)
    return int(tp.sum()), int(fp.sum())


@METRICS.register_module()
class DetF1Metric(BaseMetric):
    """Precision, recall and F1 of the detections scoring at least ``score_thr``.

    Detections are matched to ground truth boxes of their class by mmdet's Pascal VOC
    matching (``tpfp_default``, as in ``VOCMetric``; see :func:`count_tp_fp`): a detection is a
    true positive when its IoU with an unmatched ground truth box is at least ``iou_thr``.
    Counts are summed over all images and classes (micro average)::

        precision = TP / (TP + FP),  recall = TP / #GT,  F1 = 2 P R / (P + R)

    Ground truth in ``ignored_instances`` (VOC ``difficult``) counts neither as a miss nor,
    when detected, as a false positive. With no detection (or no ground truth) the undefined
    ratio is reported as 0.

    ``F1_best`` is the best micro F1 over all score thresholds (a threshold keeps all detections
    scoring at least it, ties included) and ``best_score_thr`` the threshold reaching it (0 with
    no detection); useful for sigmoid (focal) heads, whose scores may stay below ``score_thr``.

    Args:
        iou_thr (float): IoU needed for a true positive. Defaults to 0.5.
        score_thr (float): detections with a lower score are dropped. Defaults to 0.5; DETR's
            score is the softmax probability of the predicted class, so 0.5 keeps the
            detections whose class is more likely than all other outcomes together.
        classwise (bool): also log a per-class table. Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for collecting results across ranks.
        prefix (str, optional): prefix of the metric names; defaults to ``'det_f1'``.
    """

    default_prefix: Optional[str] = 'det_f1'

    def __init__(self,
                 iou_thr: float = 0.5,
                 score_thr: float = 0.5,
                 classwise: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < iou_thr <= 1:
            raise ValueError(f'iou_thr must be in (0, 1], got {iou_thr}')
        if not 0 <= score_thr <= 1:
            raise ValueError(f'score_thr must be in [0, 1], got {score_thr}')
        self.iou_thr = float(iou_thr)
        self.score_thr = float(score_thr)
        self.classwise = classwise

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Flag every detection as TP / FP (all scores), and count, per class, the true
        positives, false positives and ground truth boxes at ``score_thr``."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_instances']
            bboxes = pred['bboxes'].cpu().numpy()
            scores = pred['scores'].cpu().numpy()
            labels = pred['labels'].cpu().numpy()
            gt = sample['gt_instances']
            gt_bboxes, gt_labels = gt['bboxes'].cpu().numpy(), gt['labels'].cpu().numpy()
            ign = sample.get('ignored_instances', None)
            if ign is not None and len(ign['labels']):
                ign_bboxes, ign_labels = ign['bboxes'].cpu().numpy(), ign['labels'].cpu().numpy()
            else:
                ign_bboxes, ign_labels = np.zeros((0, 4)), np.zeros(0, dtype=int)
            counts = np.zeros((num_classes, 3), dtype=np.int64)  # tp, fp, num_gt at score_thr
            all_scores, all_tp, all_fp = [], [], []
            for c in range(num_classes):
                d, g, i = labels == c, gt_labels == c, ign_labels == c
                tp, fp = tp_fp_flags(bboxes[d], scores[d], gt_bboxes[g], ign_bboxes[i],
                                     self.iou_thr)
                # matching goes by decreasing score, so keeping the flags of the detections
                # scoring >= score_thr equals matching only those
                keep = scores[d] >= self.score_thr
                counts[c] = int(tp[keep].sum()), int(fp[keep].sum()), int(g.sum())
                all_scores.append(scores[d].astype(np.float64))
                all_tp.append(tp)
                all_fp.append(fp)
            self.results.append(dict(counts=counts, scores=np.concatenate(all_scores),
                                     tp=np.concatenate(all_tp), fp=np.concatenate(all_fp)))

    def compute_metrics(self, results: list) -> dict:
        counts = np.sum([r['counts'] for r in results], axis=0)
        metrics = OrderedDict()
        precision, recall, f1 = self._prf(*counts.sum(0))
        metrics['F1'] = f1
        metrics['precision'] = precision
        metrics['recall'] = recall
        metrics['F1_best'], metrics['best_score_thr'] = self._best_f1(
            np.concatenate([r['scores'] for r in results]),
            np.concatenate([r['tp'] for r in results]),
            np.concatenate([r['fp'] for r in results]),
            int(counts[:, 2].sum()))
        if self.classwise:
            lines = [f'{"class":<16}{"TP":>6}{"FP":>6}{"GT":>6}{"P":>8}{"R":>8}{"F1":>8}']
            for name, (tp, fp, n_gt) in zip(self.dataset_meta['classes'], counts):
                p, r, f = self._prf(tp, fp, n_gt)
                lines.append(f'{name:<16}{tp:>6}{fp:>6}{n_gt:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}')
            MMLogger.get_current_instance().info(
                f'F1 at IoU {self.iou_thr}, score >= {self.score_thr}:\n' + '\n'.join(lines))
        return metrics

    @staticmethod
    def _best_f1(scores, tp, fp, n_gt):
        """``(best F1, its score threshold)`` over all thresholds, ties kept together."""
        if n_gt == 0 or len(scores) == 0:
            return 0., 0.
        order = np.argsort(-scores, kind='stable')
        scores = scores[order]
        cum_tp = np.cumsum(tp[order], dtype=np.float64)
        cum_fp = np.cumsum(fp[order], dtype=np.float64)
        last = np.r_[scores[1:] != scores[:-1], True]  # last index of each group of ties
        cum_tp, cum_fp, thrs = cum_tp[last], cum_fp[last], scores[last]
        recall = cum_tp / n_gt
        precision = cum_tp / np.maximum(cum_tp + cum_fp, 1)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.)
        best = int(np.argmax(f1))
        return float(f1[best]), float(thrs[best])

    @staticmethod
    def _prf(tp, fp, n_gt):
        precision = tp / (tp + fp) if tp + fp else 0.
        recall = tp / n_gt if n_gt else 0.
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.
        return float(precision), float(recall), float(f1)
