"""How much a set-prediction detector's boxes differ within an image: a query-collapse alarm."""
from collections import OrderedDict
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmdet.registry import METRICS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh


def count_distinct_boxes(bboxes, tol_px: float = 1.) -> int:
    """How many of ``bboxes`` (``n x 4``, array or tensor) differ: greedily, a box counts unless
    every corner coordinate lies within ``tol_px`` of an already counted box."""
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    close = np.abs(bboxes[:, None] - bboxes[None]).max(-1) < tol_px  # (n, n)
    kept = np.zeros(len(bboxes), dtype=bool)
    for i in range(len(bboxes)):
        kept[i] = not close[i, kept].any()
    return int(kept.sum())


@METRICS.register_module()
class DetBoxSpreadMetric(BaseMetric):
    """Spread of the predicted boxes within each image (no ground truth needed).

    A DETR whose object queries have collapsed predicts (nearly) the same box with every query:
    its loss still falls while mAP stays at zero. This metric makes that visible in every
    validation log. For each image it takes all predicted boxes (DETR keeps ``max_per_img`` of
    them whatever their score), scales them by the image's width and height, and reports the
    mean over images of:

    - ``distinct``: the number of different boxes, counting boxes whose corners all lie within
      ``tol_px`` pixels of each other as one (1 = collapsed);
    - ``std``: the standard deviation over the image's boxes of their normalised centre, width
      and height, averaged over those 4 numbers (0 = collapsed).

    A warning is logged when ``distinct`` averages below 2. Freshly initialised queries predict
    nearly the same box too, so the alarm means something once training is under way.

    Args:
        tol_px (float): boxes closer than this (in original-image pixels, every corner) count
            as one. Defaults to 1.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for collecting results across ranks.
        prefix (str, optional): prefix of the metric names; defaults to ``'box_spread'``.
    """

    default_prefix: Optional[str] = 'box_spread'

    def __init__(self,
                 tol_px: float = 1.,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not tol_px > 0:
            raise ValueError(f'tol_px must be > 0, got {tol_px}')
        self.tol_px = float(tol_px)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Per image: (number of distinct boxes, mean std of normalised cx, cy, w, h)."""
        for sample in data_samples:
            bboxes = sample['pred_instances']['bboxes'].cpu().reshape(-1, 4)
            if len(bboxes) == 0:
                continue
            h, w = sample['ori_shape'][:2]
            cxcywh = bbox_xyxy_to_cxcywh(bboxes) / torch.tensor([w, h, w, h], dtype=bboxes.dtype)
            self.results.append((count_distinct_boxes(bboxes.numpy(), self.tol_px),
                                 float(cxcywh.numpy().std(0).mean())))

    def compute_metrics(self, results: list) -> dict:
        metrics = OrderedDict(distinct=0., std=0.)
        if results:
            distinct, std = np.mean(np.asarray(results, dtype=np.float64), axis=0)
            metrics.update(distinct=float(distinct), std=float(std))
        if metrics['distinct'] < 2:
            MMLogger.get_current_instance().warning(
                f'{metrics["distinct"]:.2f} distinct predicted boxes an image on average: the '
                'object queries have collapsed to (nearly) one box, and mAP stays at zero while '
                'they do. Right after initialisation this is normal. If it persists: dropout in '
                'the encoder/decoder (attn_drop, proj_drop, ffn_drop > 0) lets the Hungarian '
                'matching use the noise as the only difference between queries, which then '
                'collapse in eval mode; a random-init backbone on a small dataset is slow to '
                'give them anything else. `python tools/analysis_tools/det_overfit.py CONFIG` '
                'checks whether the model can fit a few training images')
        return metrics
