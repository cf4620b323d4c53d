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

The losses of all layers are computed at once too: the head's own ``loss_cls``, ``loss_bbox``
and ``loss_iou`` modules are called once each, with ``reduction_override='none'``, on the
predictions and targets of all layers stacked along the batch dimension; their per-element
values are summed per layer and divided by the stock per-layer normalisation (``num_total_pos +
num_total_neg * bg_cls_weight`` for the classification, ``num_total_pos`` for the boxes, with the
stock ``reduce_mean`` and the floor of 1) without copying any count back to the host. The loss
dict has the stock keys and values. A ``QualityFocalLoss`` classification loss (its targets
depend on the IoU of each positive) keeps the stock per-layer ``loss_by_feat_single``, fed with
the batched targets. Assignments, losses and gradients equal the stock head's
(``tests/test_det/test_det_batched_match_head.py``).

One initialisation differs, for sigmoid classification losses only (``FocalLoss``,
``QualityFocalLoss``): the classifier's bias starts at the prior probability 0.01, as mmdet's
Conditional / Deformable DETR heads and RetinaNet start theirs. Stock ``DETRHead`` keeps the
default ``Linear`` bias (a probability near 0.5 for every class of every query), which makes the
initial focal loss of the 100 x C negatives about a hundred times the loss of the positives
(``loss_cls`` ~90 at the first iterations on Groceries).
"""
import inspect
from typing import Dict, List, Optional

import numpy as np
import torch
from mmdet.models.dense_heads import ConditionalDETRHead, DETRHead
from mmdet.models.losses import QualityFocalLoss
from mmdet.models.task_modules.assigners import HungarianAssigner
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import InstanceList, OptInstanceList, reduce_mean
from mmengine.model import bias_init_with_prob
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

    #: initial foreground probability of a sigmoid classifier (every class, every query)
    sigmoid_prior_prob = 0.01

    def init_weights(self) -> None:
        """Stock initialisation; a sigmoid classifier's bias set to the prior probability
        :attr:`sigmoid_prior_prob` (see the module docstring)."""
        super().init_weights()
        if self.loss_cls.use_sigmoid:
            torch.nn.init.constant_(self.fc_cls.bias, bias_init_with_prob(self.sigmoid_prior_prob))

    def loss_by_feat(self,
                     all_layers_cls_scores: Tensor,
                     all_layers_bbox_preds: Tensor,
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> Dict[str, Tensor]:
        """The stock ``DETRHead.loss_by_feat`` losses, with the targets and the losses of all
        decoder layers computed at once (see the module docstring)."""
        if batch_gt_instances_ignore is not None:
            raise ValueError(f'{type(self).__name__} does not support batch_gt_instances_ignore '
                             '(pass None), as mmdet\'s DETRHead')
        if len(batch_gt_instances) != all_layers_cls_scores.shape[1]:
            raise ValueError(f'{len(batch_gt_instances)} gt instances for a batch of '
                             f'{all_layers_cls_scores.shape[1]} images')
        targets = self.stacked_targets(all_layers_cls_scores, all_layers_bbox_preds,
                                       batch_gt_instances, batch_img_metas)
        if isinstance(self.loss_cls, QualityFocalLoss):
            # its targets need the IoU of each positive: the stock per-layer losses
            self._layer_targets = iter(self._split_layers(*targets))
            try:
                return super().loss_by_feat(all_layers_cls_scores, all_layers_bbox_preds,
                                            batch_gt_instances, batch_img_metas)
            finally:
                self._layer_targets = None
        losses_cls, losses_bbox, losses_iou = (loss.unbind() for loss in self.stacked_losses(
            all_layers_cls_scores, all_layers_bbox_preds, batch_img_metas, *targets))
        # the stock keys: the last layer's without prefix, then d0. ... d{L-2}.
        loss_dict = dict(loss_cls=losses_cls[-1], loss_bbox=losses_bbox[-1],
                         loss_iou=losses_iou[-1])
        for layer in range(len(losses_cls) - 1):
            loss_dict[f'd{layer}.loss_cls'] = losses_cls[layer]
            loss_dict[f'd{layer}.loss_bbox'] = losses_bbox[layer]
            loss_dict[f'd{layer}.loss_iou'] = losses_iou[layer]
        return loss_dict

    def stacked_losses(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                       batch_img_metas: List[dict], labels: Tensor, label_weights: Tensor,
                       bbox_targets: Tensor, bbox_weights: Tensor,
                       num_pos: List[int]) -> tuple:
        """Classification, L1 and IoU losses of every decoder layer, one loss call each.

        Each of ``self.loss_cls``, ``self.loss_bbox``, ``self.loss_iou`` is called once with
        ``reduction_override='none'`` on all layers stacked along the batch dimension; the
        per-element losses (already weighted and multiplied by ``loss_weight``) are summed per
        layer and divided by the stock ``loss_by_feat_single`` normalisation of that layer.

        Args:
            all_layers_cls_scores (Tensor): ``(L, B, Q, cls_out_channels)`` logits.
            all_layers_bbox_preds (Tensor): ``(L, B, Q, 4)`` normalized ``(cx, cy, w, h)``.
            batch_img_metas (list[dict]): ``B`` metas with ``img_shape``.
            labels, label_weights, bbox_targets, bbox_weights, num_pos: the targets of all
                layers, as :meth:`stacked_targets` returns them.

        Returns:
            tuple[Tensor]: ``(L, )`` classification (``(L, 1)`` with ``sync_cls_avg_factor``,
            as stock), L1 and IoU losses.
        """
        L, B, Q = all_layers_cls_scores.shape[:3]
        num_neg = [B * Q - n for n in num_pos]
        # the stock normalisations of every layer in one tensor: one host-to-device copy and no
        # .item() (stock: one per layer)
        avg_factors = all_layers_cls_scores.new_tensor(
            [n + m * self.bg_cls_weight for n, m in zip(num_pos, num_neg)] + num_pos,
            dtype=torch.promote_types(all_layers_cls_scores.dtype, torch.float32))
        cls_avg_factor, num_total_pos = avg_factors[:L], reduce_mean(avg_factors[L:])
        if self.sync_cls_avg_factor:
            cls_avg_factor = reduce_mean(cls_avg_factor)

        def per_layer(loss: Tensor, avg_factor: Tensor) -> Tensor:
            if loss.dim() == 0:  # mmdet's shortcut for all-zero weights: a 0 of the graph
                return loss.expand(L)
            if loss.shape[0] != L * B * Q:
                raise ValueError(f'{type(self).__name__} needs losses that return one value '
                                 f'per query with reduction_override="none", got shape '
                                 f'{tuple(loss.shape)} for {L * B * Q} queries')
            # as mmdet's weight_reduce_loss: sum / (avg_factor + eps), with eps of float32
            eps = torch.finfo(torch.float32).eps
            loss = loss.reshape(L, -1).sum(dim=1)
            return (loss / (avg_factor.clamp(min=1) + eps)).to(loss.dtype)

        loss_cls = self.loss_cls(
            all_layers_cls_scores.reshape(-1, self.cls_out_channels), labels.reshape(-1),
            label_weights.reshape(-1), reduction_override='none')
        # boxes rescaled to pixels for the IoU loss, as loss_by_feat_single does
        factors = all_layers_bbox_preds.new_tensor(
            [[m['img_shape'][1], m['img_shape'][0]] * 2 for m in batch_img_metas]).unsqueeze(1)
        bboxes = bbox_cxcywh_to_xyxy(all_layers_bbox_preds) * factors
        bboxes_gt = bbox_cxcywh_to_xyxy(bbox_targets) * factors
        bbox_weights = bbox_weights.reshape(-1, 4)
        loss_iou = self.loss_iou(bboxes.reshape(-1, 4), bboxes_gt.reshape(-1, 4), bbox_weights,
                                 reduction_override='none')
        loss_bbox = self.loss_bbox(all_layers_bbox_preds.reshape(-1, 4),
                                   bbox_targets.reshape(-1, 4), bbox_weights,
                                   reduction_override='none')
        loss_cls = per_layer(loss_cls, cls_avg_factor)
        if self.sync_cls_avg_factor:
            # stock divides by a (1, ) tensor, so its loss has shape (1, ) (except when the
            # factor is below 1, where max(factor, 1) gives the int 1 and a 0-dim loss)
            loss_cls = loss_cls.unsqueeze(1)
        return loss_cls, per_layer(loss_bbox, num_total_pos), per_layer(loss_iou, num_total_pos)

    def get_targets(self, cls_scores_list: List[Tensor], bbox_preds_list: List[Tensor],
                    batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> tuple:
        """The next layer's precomputed targets while :meth:`loss_by_feat` runs the stock
        per-layer losses (``QualityFocalLoss``; the stock ``loss_by_feat_single`` asks once per
        layer, in order); stock ``get_targets`` otherwise."""
        if self._layer_targets is None:
            return super().get_targets(cls_scores_list, bbox_preds_list, batch_gt_instances,
                                       batch_img_metas)
        return next(self._layer_targets)

    def batched_targets(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                        batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> list:
        """Targets of every decoder layer, as stock ``get_targets`` returns them per layer.

        Arguments as :meth:`stacked_targets`.

        Returns:
            list[tuple]: per layer ``(labels_list, label_weights_list, bbox_targets_list,
            bbox_weights_list, num_total_pos, num_total_neg)``.
        """
        return self._split_layers(*self.stacked_targets(
            all_layers_cls_scores, all_layers_bbox_preds, batch_gt_instances, batch_img_metas))

    @staticmethod
    def _split_layers(labels: Tensor, label_weights: Tensor, bbox_targets: Tensor,
                      bbox_weights: Tensor, num_pos: List[int]) -> list:
        """Stacked targets -> per layer, per image lists as stock ``get_targets``."""
        B, Q = labels.shape[1:3]
        return [(list(labels[layer]), list(label_weights[layer]), list(bbox_targets[layer]),
                 list(bbox_weights[layer]), num_pos[layer], B * Q - num_pos[layer])
                for layer in range(len(num_pos))]

    @torch.no_grad()
    def stacked_targets(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                        batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> tuple:
        """Targets of every decoder layer and image, stacked.

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
            tuple: ``labels`` ``(L, B, Q)``, ``label_weights`` ``(L, B, Q)``, ``bbox_targets``
            and ``bbox_weights`` ``(L, B, Q, 4)`` (each image's slice is what stock
            ``_get_targets_single`` returns) and ``num_pos``, the number of matched queries
            of each layer (list of ``L`` ints).
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
        label_weights = torch.ones((L, B, Q), dtype=gt_dtype, device=device)
        return labels, label_weights, bbox_targets, bbox_weights, num_pos.tolist()


@MODELS.register_module()
class BatchedMatchConditionalDETRHead(BatchedMatchDETRHead, ConditionalDETRHead):
    """mmdet's ``ConditionalDETRHead`` with the batched matching and losses of
    :class:`BatchedMatchDETRHead`.

    ``ConditionalDETRHead`` changes only how boxes are predicted (offsets from each query's
    reference point) and initialises its sigmoid classifier at the prior; its losses are
    ``DETRHead``'s, which the batched ``loss_by_feat`` replaces with the same values.
    """
