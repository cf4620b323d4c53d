"""mmdet's ``DETRHead`` with the Hungarian matching of all decoder layers done in one batch.

Stock ``DETRHead.loss_by_feat`` calls ``get_targets`` for every decoder layer, which calls
``_get_targets_single`` and ``HungarianAssigner.assign`` for every image: ``L x B`` small cost
computations, ``L x B`` device-to-host copies of the cost matrix, ``2 L x B`` ``nonzero`` calls
(each a host sync on a GPU) and ~dozens of small kernels per (layer, image). On a GPU the step
time is then set by the host, not the device.

:class:`BatchedMatchDETRHead` computes the same targets with:

- the assigner's own match costs (``train_cfg.assigner.match_costs``: same classes, formulas
  and weights) called once per image size (once per batch after a fixed-size ``Resize``) on
  the predictions of all decoder layers and images of that size against all their gts;
- one device-to-host copy of all cost matrices, then scipy's ``linear_sum_assignment`` per
  (layer, image) exactly as ``HungarianAssigner`` runs it;
- one host-to-device copy of the matched gt index of every query, from which labels, box
  targets and weights of all layers are gathered at once.

The losses are then those of the stock ``loss_by_feat_single`` (one call per layer, unchanged):
only ``get_targets`` returns the precomputed targets of its layer. Assignments and losses equal
the stock head's (``tests/test_det/test_det_batched_match_head.py``).
"""
import inspect
from typing import Dict, List, Optional

import numpy as np
import torch
from mmdet.models.dense_heads import DETRHead
from mmdet.models.task_modules.assigners import HungarianAssigner
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import InstanceList, OptInstanceList
from mmengine.structures import InstanceData
from scipy.optimize import linear_sum_assignment
from torch import Tensor


@MODELS.register_module()
class BatchedMatchDETRHead(DETRHead):
    """``DETRHead`` whose Hungarian matching runs batched over decoder layers and images.

    Arguments are those of ``mmdet.models.DETRHead``; ``train_cfg.assigner`` must be a
    ``HungarianAssigner`` (its ``match_costs`` are used as they are).
    """

    def __init__(self, num_classes: int, *args, loss_cls: Optional[dict] = None,
                 **kwargs) -> None:
        # DETRHead turns a float class_weight + bg_cls_weight into per-class weights only when
        # its class is exactly DETRHead; do the same conversion for this subclass
        if loss_cls is None:
            loss_cls = inspect.signature(DETRHead.__init__).parameters['loss_cls'].default
        loss_cls = dict(loss_cls)
        class_weight = loss_cls.get('class_weight', None)
        bg_cls_weight = 0
        if class_weight is not None:
            if not isinstance(class_weight, float):
                raise TypeError('loss_cls.class_weight must be a float (the weight of every '
                                f'object class), got {type(class_weight).__name__}')
            bg_cls_weight = float(loss_cls.pop('bg_cls_weight', class_weight))
            weights = torch.full((num_classes + 1, ), class_weight)
            weights[num_classes] = bg_cls_weight  # the no-object class is the last
            loss_cls['class_weight'] = weights
        super().__init__(num_classes, *args, loss_cls=loss_cls, **kwargs)
        self.bg_cls_weight = bg_cls_weight
        if hasattr(self, 'assigner') and not isinstance(self.assigner, HungarianAssigner):
            raise TypeError('BatchedMatchDETRHead needs train_cfg.assigner of type '
                            f'HungarianAssigner, got {type(self.assigner).__name__}; use '
                            "type='DETRHead' for other assigners")
        self._layer_targets = None

    def loss_by_feat(self,
                     all_layers_cls_scores: Tensor,
                     all_layers_bbox_preds: Tensor,
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> Dict[str, Tensor]:
        """Stock ``DETRHead.loss_by_feat`` with the targets of all layers computed first."""
        if len(batch_gt_instances) != all_layers_cls_scores.shape[1]:
            raise ValueError(f'{len(batch_gt_instances)} gt instances for a batch of '
                             f'{all_layers_cls_scores.shape[1]} images')
        self._layer_targets = iter(self.batched_targets(
            all_layers_cls_scores, all_layers_bbox_preds, batch_gt_instances, batch_img_metas))
        try:
            return super().loss_by_feat(all_layers_cls_scores, all_layers_bbox_preds,
                                        batch_gt_instances, batch_img_metas,
                                        batch_gt_instances_ignore)
        finally:
            self._layer_targets = None

    def get_targets(self, cls_scores_list: List[Tensor], bbox_preds_list: List[Tensor],
                    batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> tuple:
        """The next layer's precomputed targets inside :meth:`loss_by_feat` (the stock
        ``loss_by_feat_single`` asks once per layer, in order); stock ``get_targets`` outside."""
        if self._layer_targets is None:
            return super().get_targets(cls_scores_list, bbox_preds_list, batch_gt_instances,
                                       batch_img_metas)
        return next(self._layer_targets)

    @torch.no_grad()
    def batched_targets(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                        batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> list:
        """Targets of every decoder layer, as stock ``get_targets`` returns them per layer.

        Images of one ``img_shape`` (all of them after a fixed-size ``Resize``) share one call
        of each match cost: the predictions of all their layers against all their gts; each
        image's block of that matrix is the stock assigner's cost matrix (the costs are
        computed pair by pair, so the values are the same).

        Args:
            all_layers_cls_scores (Tensor): ``(L, B, Q, cls_out_channels)`` logits.
            all_layers_bbox_preds (Tensor): ``(L, B, Q, 4)`` normalized ``(cx, cy, w, h)``.
            batch_gt_instances (list[InstanceData]): ``B`` gts with ``bboxes`` (``xyxy``
                pixels) and ``labels``.
            batch_img_metas (list[dict]): ``B`` metas with ``img_shape``.

        Returns:
            list[tuple]: per layer ``(labels_list, label_weights_list, bbox_targets_list,
            bbox_weights_list, num_total_pos, num_total_neg)``.
        """
        L, B, Q = all_layers_cls_scores.shape[:3]
        device = all_layers_bbox_preds.device
        gt_dtype = batch_gt_instances[0].bboxes.dtype
        groups = {}  # img_shape -> indices of its images
        for i, meta in enumerate(batch_img_metas):
            groups.setdefault(tuple(meta['img_shape']), []).append(i)
        blocks, gt_targets, gt_labels = {}, [], []
        first_gt, num_gts = [0] * B, [len(gt) for gt in batch_gt_instances]
        total = 0  # gts of all images, in the order of the groups
        for (img_h, img_w), idxs in groups.items():
            for i in idxs:
                first_gt[i], total = total, total + num_gts[i]
            gt = InstanceData(bboxes=torch.cat([batch_gt_instances[i].bboxes for i in idxs]),
                              labels=torch.cat([batch_gt_instances[i].labels for i in idxs]))
            gt_factor = gt.bboxes.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)
            gt_targets.append(bbox_xyxy_to_cxcywh(gt.bboxes / gt_factor))
            gt_labels.append(gt.labels.long())
            if not len(gt):
                continue
            sel = slice(None) if len(idxs) == B else idxs
            scores, bboxes = all_layers_cls_scores[:, sel], all_layers_bbox_preds[:, sel]
            # as _get_targets_single + HungarianAssigner.assign, for all layers and images
            factor = bboxes.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)
            preds = InstanceData(scores=scores.reshape(-1, scores.shape[-1]),
                                 bboxes=bbox_cxcywh_to_xyxy(bboxes.reshape(-1, 4)) * factor)
            meta = batch_img_metas[idxs[0]]
            cost = torch.stack([c(pred_instances=preds, gt_instances=gt, img_meta=meta)
                                for c in self.assigner.match_costs]).sum(dim=0)
            cost = cost.reshape(L, len(idxs), Q, len(gt))
            for j, i in enumerate(idxs):
                if num_gts[i]:
                    start = first_gt[i] - first_gt[idxs[0]]
                    blocks[i] = cost[:, j, :, start:start + num_gts[i]].reshape(-1)
        # one device-to-host copy; then the assignment of every (layer, image) as the assigner
        order = sorted(blocks)
        costs = torch.cat([blocks[i] for i in order]).cpu().numpy() if order else None
        sentinel = total  # index of the "background" row appended below
        assigned = np.full((L, B, Q), sentinel, dtype=np.int64)
        num_pos = np.zeros(L, dtype=np.int64)
        start = 0
        for i in order:
            img_costs = costs[start:start + L * Q * num_gts[i]].reshape(L, Q, num_gts[i])
            start += L * Q * num_gts[i]
            for layer in range(L):
                rows, cols = linear_sum_assignment(img_costs[layer])
                assigned[layer, i, rows] = cols + first_gt[i]
                num_pos[layer] += len(rows)
        assigned = torch.from_numpy(assigned).to(device)
        gt_targets.append(gt_targets[0].new_zeros((1, 4)))
        gt_labels.append(torch.full((1, ), self.num_classes, dtype=torch.long, device=device))
        labels = torch.cat(gt_labels)[assigned]  # (L, B, Q)
        bbox_targets = torch.cat(gt_targets).to(gt_dtype)[assigned]  # (L, B, Q, 4)
        bbox_weights = (assigned != sentinel).to(gt_dtype).unsqueeze(-1).expand(-1, -1, -1, 4)
        label_weights = torch.ones((B, Q), dtype=gt_dtype, device=device)
        return [(list(labels[layer]), list(label_weights), list(bbox_targets[layer]),
                 list(bbox_weights[layer]), int(num_pos[layer]), B * Q - int(num_pos[layer]))
                for layer in range(L)]
