"""Detection precision, recall and F1 at one IoU and one score threshold."""
from collections import OrderedDict
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmdet.evaluation.functional.mean_ap import tpfp_default
from mmdet.registry import METRICS


def count_tp_fp(det_bboxes, det_scores, gt_bboxes, ignore_bboxes, iou_thr):
    """``(tp, fp)`` of one image and one class, with mmdet's Pascal VOC matching
    (``mmdet.evaluation.functional.mean_ap.tpfp_default``, continuous coordinates).

    Detections are taken by decreasing score; each one is matched to the ground truth box it
    overlaps most. IoU >= ``iou_thr`` with a not yet matched box is a true positive; with an
    already matched box, or below ``iou_thr``, a false positive; with an ignored box
    (``difficult``), neither.
    """
    if len(det_bboxes) == 0:
        return 0, 0
    dets = np.concatenate([np.reshape(det_bboxes, (-1, 4)), np.reshape(det_scores, (-1, 1))],
                          axis=1)
    tp, fp = tpfp_default(dets, np.reshape(gt_bboxes, (-1, 4)),
                          np.reshape(ignore_bboxes, (-1, 4)), iou_thr=iou_thr,
                          use_legacy_coordinate=False)
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
        """Count, per class, the true positives, false positives and ground truth boxes."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_instances']
            keep = (pred['scores'] >= self.score_thr).cpu().numpy()
            bboxes = pred['bboxes'].cpu().numpy()[keep]
            scores = pred['scores'].cpu().numpy()[keep]
            labels = pred['labels'].cpu().numpy()[keep]
            gt = sample['gt_instances']
            gt_bboxes, gt_labels = gt['bboxes'].cpu().numpy(), gt['labels'].cpu().numpy()
            ign = sample.get('ignored_instances', None)
            if ign is not None and len(ign['labels']):
                ign_bboxes, ign_labels = ign['bboxes'].cpu().numpy(), ign['labels'].cpu().numpy()
            else:
                ign_bboxes, ign_labels = np.zeros((0, 4)), np.zeros(0, dtype=int)
            counts = np.zeros((num_classes, 3), dtype=np.int64)  # tp, fp, num_gt
            for c in range(num_classes):
                d, g, i = labels == c, gt_labels == c, ign_labels == c
                tp, fp = count_tp_fp(bboxes[d], scores[d], gt_bboxes[g], ign_bboxes[i],
                                     self.iou_thr)
                counts[c] = tp, fp, int(g.sum())
            self.results.append(counts)

    def compute_metrics(self, results: list) -> dict:
        counts = np.sum(results, axis=0)
        metrics = OrderedDict()
        precision, recall, f1 = self._prf(*counts.sum(0))
        metrics['F1'] = f1
        metrics['precision'] = precision
        metrics['recall'] = recall
        if self.classwise:
            lines = [f'{"class":<16}{"TP":>6}{"FP":>6}{"GT":>6}{"P":>8}{"R":>8}{"F1":>8}']
            for name, (tp, fp, n_gt) in zip(self.dataset_meta['classes'], counts):
                p, r, f = self._prf(tp, fp, n_gt)
                lines.append(f'{name:<16}{tp:>6}{fp:>6}{n_gt:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}')
            MMLogger.get_current_instance().info(
                f'F1 at IoU {self.iou_thr}, score >= {self.score_thr}:\n' + '\n'.join(lines))
        return metrics

    @staticmethod
    def _prf(tp, fp, n_gt):
        precision = tp / (tp + fp) if tp + fp else 0.
        recall = tp / n_gt if n_gt else 0.
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.
        return float(precision), float(recall), float(f1)
