"""Can a DETR config fit a handful of images? A check for collapsed object queries.

:func:`det_overfit` builds the detector of a detection config as the Runner does
(``custom_imports``, ``default_scope``, ``MODELS.build``, ``init_weights``,
``build_optim_wrapper`` with the config's ``optim_wrapper``, so its constructor and
``paramwise_cfg`` apply), takes one fixed batch -- the first ``num_images`` images of the train
set through the deterministic part of the train pipeline, or ``synthetic`` images of coloured
rectangles -- and trains on that batch alone for ``iters`` steps (``model.train_step``). A
detector that works can learn those boxes by heart. Then, without gradients, it reports:

- ``recall``: the fraction of ground-truth boxes that some prediction with a score of at least
  ``score_thr`` overlaps with an IoU of at least ``iou_thr`` (predictions and ground truth in
  the network's input frame);
- ``class_recall``: the same, counting only predictions of the ground truth's class (a detector
  that finds the boxes but gives them the most frequent class has a high ``recall`` and a low
  ``class_recall``);
- ``distinct_eval`` / ``distinct_train``: the mean number of distinct predicted boxes an image
  (the head's ``test_cfg.max_per_img`` predictions: every query for DETR's softmax head;
  boxes whose corners all lie within ``tol_px`` input pixels count as one, as in
  :class:`~mmlife.det.evaluation.DetBoxSpreadMetric`), in eval mode and in train mode (dropout
  and the backbone's drop path active);
- ``query_spread``: for every decoder layer, the standard deviation across the object queries of
  its output (eval mode), averaged over channels and images, and its ratio to the output's RMS.
  For DETR, zero spread in the last layer means that every query predicts the same box;
  Conditional DETR adds each query's own reference point to its box, so there the distinct
  boxes are the measure (its decoder outputs can be nearly equal while the boxes differ).

The verdict is ``'fits'`` (recall at least ``fit_recall`` and more than one distinct box an
image), ``'queries collapsed'`` (fewer than 2 distinct boxes an image in eval mode) or
``'does not fit'``, with a hint. The typical collapse: dropout in the transformer is the only
thing that makes the queries differ during training, the Hungarian matching gives each object
the query that the noise moved closest to it, the loss falls, and in eval mode (no noise) every
query predicts the same box.
"""
import copy
import functools
import time
from typing import Callable, List, Optional, Sequence

import torch

from .det_step_profile import build_model_and_optim, synthetic_batch


#: Pipeline transforms that are random (dropped so the batch is the same at every step).
RANDOM_TRANSFORMS = ('RandomFlip', 'RandomApply', 'RandomChoice', 'RandomCrop', 'RandomResize',
                     'RandomChoiceResize', 'RandomAffine', 'RandomShift', 'RandomCenterCropPad',
                     'RandomErasing', 'RandomOrder', 'PhotoMetricDistortion', 'Mosaic', 'MixUp',
                     'CutOut', 'Albu', 'AutoAugment', 'RandAugment', 'YOLOXHSVRandomAug',
                     'MinIoURandomCrop', 'Expand', 'CachedMosaic', 'CachedMixUp')
VERDICTS = ('fits', 'queries collapsed', 'does not fit')
LOSS_KEYS = ('loss', 'loss_cls', 'loss_bbox', 'loss_iou')
DROPOUT_HINT = ('dropout in the transformer lets the Hungarian matching exploit noise as the '
                'only difference between queries; set attn_drop/proj_drop/ffn_drop of the '
                'encoder and decoder layers to 0')


def _check(name: str, ok: bool, value, want: str) -> None:
    if not ok:
        raise ValueError(f'{name} must be {want}, got {value!r}')


def innermost_dataset(cfg, split: str = 'train'):
    """The dataset config of ``{split}_dataloader`` that holds the pipeline (through wrappers
    such as ``RepeatDataset``)."""
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise ValueError(f'the config has no {split}_dataloader.dataset')
    ds = loader.dataset
    while 'pipeline' not in ds and 'dataset' in ds:
        ds = ds.dataset
    if 'pipeline' not in ds:
        raise ValueError(f'{split}_dataloader.dataset has no pipeline: a detection config '
                         f'with a {split} dataset pipeline is needed')
    return ds


def deterministic_pipeline(pipeline: Sequence[dict], size: Optional[int] = None):
    """``(steps, dropped)``: ``pipeline`` without its random transforms and, given ``size``,
    every ``Resize`` set to ``size x size`` (``keep_ratio=False``), a ``Resize`` put before the
    last step (the packing) if none is left. ``dropped`` names the transforms taken out."""
    steps, dropped = [], []
    for step in pipeline:
        kind = step['type'] if isinstance(step['type'], str) else step['type'].__name__
        if kind.split('.')[-1] in RANDOM_TRANSFORMS:
            dropped.append(kind)
            continue
        step = copy.deepcopy(dict(step))
        if size is not None and kind.split('.')[-1] == 'Resize':
            step.update(scale=(size, size), keep_ratio=False)
        steps.append(step)
    if size is not None and not any(str(s['type']).split('.')[-1] == 'Resize' for s in steps):
        steps.insert(max(len(steps) - 1, 0), dict(type='Resize', scale=(size, size),
                                                  keep_ratio=False))
    return steps, dropped


def load_overfit_config(config: str, size: int = 160, lr: Optional[float] = 1e-4,
                        backbone_lr_mult: Optional[float] = 1.0,
                        cfg_options: Optional[dict] = None):
    """``(cfg, dropped)``: the config with the train pipeline made deterministic (``dropped``
    names the random transforms taken out, see :func:`deterministic_pipeline`), the input size
    (``model.backbone.img_size`` and the pipeline's ``Resize``), the lr and the backbone's
    ``lr_mult`` set (``None``: keep the config's), then ``cfg_options`` merged (so they win
    over all of these)."""
    from mmengine.config import Config

    from mmlife.utils import check_cfg_options
    _check('size', isinstance(size, int) and size >= 16, size, 'an int >= 16')
    _check('lr', lr is None or lr > 0, lr, '> 0')
    _check('backbone_lr_mult', backbone_lr_mult is None or backbone_lr_mult >= 0,
           backbone_lr_mult, '>= 0')
    cfg = Config.fromfile(config)
    if 'model' not in cfg or 'train_dataloader' not in cfg or 'optim_wrapper' not in cfg:
        raise ValueError(f'{config} is not a training config (it needs model, '
                         'train_dataloader and optim_wrapper)')
    backbone = cfg.model.get('backbone', {})
    patch = backbone.get('patch_size')
    if isinstance(patch, int) and size % patch:
        raise ValueError(f'size must be a multiple of the backbone patch size {patch}, got '
                         f'{size} (e.g. {max(patch, size // patch * patch)})')
    if 'img_size' in backbone:
        backbone.img_size = size
    ds = innermost_dataset(cfg)
    ds.pipeline, dropped = deterministic_pipeline(ds.pipeline, size)
    if lr is not None:
        cfg.optim_wrapper.optimizer.lr = lr
    if backbone_lr_mult is not None:
        keys = cfg.optim_wrapper.setdefault('paramwise_cfg', {}).setdefault('custom_keys', {})
        keys.setdefault('backbone', {})['lr_mult'] = backbone_lr_mult
    if cfg_options:
        cfg.merge_from_dict(check_cfg_options(cfg, cfg_options))
    return cfg, dropped


def dataset_batch(cfg, num_images: int) -> dict:
    """The first ``num_images`` samples of the config's train dataset (its pipeline as
    :func:`load_overfit_config` left it), collated as the dataloader does."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    if len(ds) < num_images:
        raise ValueError(f'num_images is {num_images} but the train set has {len(ds)} images')
    return pseudo_collate([ds[i] for i in range(num_images)])


def count_recalled(gt_bboxes: torch.Tensor, pred_bboxes: torch.Tensor, scores: torch.Tensor,
                   iou_thr: float = 0.5, score_thr: float = 0.3,
                   gt_labels: Optional[torch.Tensor] = None,
                   pred_labels: Optional[torch.Tensor] = None) -> int:
    """How many of ``gt_bboxes`` (``n x 4`` ``xyxy``) some prediction with ``score >=
    score_thr`` overlaps with IoU ``>= iou_thr`` (one prediction may cover several). Given
    ``gt_labels`` and ``pred_labels``, only a prediction of the ground truth's class counts."""
    from mmdet.structures.bbox import bbox_overlaps
    if (gt_labels is None) != (pred_labels is None):
        raise ValueError('give both gt_labels and pred_labels, or neither')
    keep = scores >= score_thr
    if len(gt_bboxes) == 0 or not keep.any():
        return 0
    iou = bbox_overlaps(gt_bboxes.float(), pred_bboxes[keep].float())
    if gt_labels is not None:
        iou = iou.masked_fill(gt_labels[:, None] != pred_labels[keep][None, :], 0)
    return int((iou.max(1).values >= iou_thr).sum())


def query_spread(hidden_states: torch.Tensor) -> List[dict]:
    """Per decoder layer of ``hidden_states`` (``layers x images x queries x channels``): the
    std across queries averaged over channels and images (``spread``) and that divided by the
    RMS of the layer's output (``relative``)."""
    hs = hidden_states.detach().float()
    spread = hs.std(dim=2).mean(dim=(1, 2))
    rms = hs.pow(2).mean(dim=(1, 2, 3)).sqrt().clamp_min(1e-12)
    return [dict(spread=float(s), relative=float(s / r)) for s, r in zip(spread, rms)]


def transformer_dropout(model) -> float:
    """The largest dropout probability in the model's ``encoder`` and ``decoder``."""
    p = 0.
    for name in ('encoder', 'decoder'):
        for m in getattr(model, name, torch.nn.Identity()).modules():
            if isinstance(m, torch.nn.Dropout):
                p = max(p, float(m.p))
            elif isinstance(m, torch.nn.MultiheadAttention):
                p = max(p, float(m.dropout))
            elif hasattr(m, 'attn_drop') and isinstance(m.attn_drop, float):
                p = max(p, m.attn_drop)  # torch MultiheadAttention-style float dropout
    return p


def verdict(recall: float, distinct_eval: float, distinct_train: float, dropout: float,
            fit_recall: float = 0.8):
    """``(verdict, hint)`` from the numbers of :func:`det_overfit` (see the module doc)."""
    if distinct_eval < 2:
        if dropout > 0:
            hint = DROPOUT_HINT + (f' (it is {dropout:g} here; in train mode the queries give '
                                   f'{distinct_train:.1f} distinct boxes an image)')
        else:
            hint = ('every query predicts the same box although the transformer has no '
                    'dropout: train longer (--iters) or with another lr (--lr, '
                    '--backbone-lr-mult), and check the query embedding reaches the decoder')
        return 'queries collapsed', hint
    if recall >= fit_recall:
        return 'fits', 'the detector can learn these boxes by heart'
    hint = (f'recall {recall:.2f} < {fit_recall:g}: train longer (--iters) or with another lr '
            '(--lr, --backbone-lr-mult); check the boxes and labels of the batch')
    if dropout > 0:
        hint += f'; the transformer has dropout {dropout:g}: ' + DROPOUT_HINT
    return 'does not fit', hint


def _predict(model, batch: dict, training: bool):
    """``(data, predictions, hidden_states)`` of one forward without gradients, in train or
    eval mode, boxes in the input frame (``rescale=False``)."""
    model.train(training)
    with torch.no_grad():
        data = model.data_preprocessor(dict(batch, inputs=list(batch['inputs'])), False)
        inputs, samples = data['inputs'], data['data_samples']
        head_inputs = model.forward_transformer(model.extract_feat(inputs), samples)
        results = model.bbox_head.predict(**head_inputs, rescale=False,
                                          batch_data_samples=samples)
    return samples, results, head_inputs['hidden_states']


def _train(model, optim_wrapper, batch: dict, iters: int, log_interval: int, log):
    """``iters`` steps of ``model.train_step`` on ``batch``: ``(loss history, seconds)``."""
    history, start = [], time.perf_counter()
    for it in range(1, iters + 1):
        model.train()
        log_vars = model.train_step(dict(batch, inputs=list(batch['inputs'])), optim_wrapper)
        if it % log_interval == 0 or it in (1, iters):
            row = dict(iter=it, **{k: float(torch.as_tensor(v).detach())
                                   for k, v in log_vars.items() if k in LOSS_KEYS})
            history.append(row)
            elapsed = time.perf_counter() - start
            losses = '  '.join(f'{k} {v:.4f}' for k, v in row.items() if k != 'iter')
            log(f'iter {it}/{iters}  {elapsed:.0f}s (eta {elapsed / it * (iters - it):.0f}s)  '
                f'{losses}')
    return history, time.perf_counter() - start


def _evaluate(model, batch: dict, score_thr: float, iou_thr: float, tol_px: float):
    """``(per_image, query_spread, num_queries)``: per image the distinct boxes in train and
    eval mode, the ground truths, the kept predictions and the recalled ground truths (eval)."""
    from mmdet.structures.bbox import get_box_tensor

    from mmlife.det.evaluation import count_distinct_boxes
    per_image = [dict() for _ in batch['inputs']]
    for training in (True, False):
        samples, results, hidden = _predict(model, batch, training)
        for info, res in zip(per_image, results):
            info['distinct_train' if training else 'distinct_eval'] = count_distinct_boxes(
                res.bboxes.cpu(), tol_px)
    for info, sample, res in zip(per_image, samples, results):  # eval mode: the last call
        gt = get_box_tensor(sample.gt_instances.bboxes).cpu()
        found = functools.partial(count_recalled, gt, res.bboxes.cpu(), res.scores.cpu(),
                                  iou_thr, score_thr)
        info.update(gts=len(gt), kept=int((res.scores >= score_thr).sum()), recalled=found(),
                    recalled_with_class=found(sample.gt_instances.labels.cpu(),
                                              res.labels.cpu()))
    return per_image, query_spread(hidden), int(hidden.shape[2])


def det_overfit(config: str, num_images: int = 4, iters: int = 300, size: int = 160,
                lr: Optional[float] = 1e-4, backbone_lr_mult: Optional[float] = 1.0,
                cfg_options: Optional[dict] = None, seed: int = 0,
                device: Optional[str] = None, synthetic: bool = False,
                score_thr: float = 0.3, iou_thr: float = 0.5, tol_px: float = 1.,
                fit_recall: float = 0.8, log_interval: Optional[int] = None,
                log: Optional[Callable[[str], None]] = print) -> dict:
    """Train a detection config on one fixed batch and report whether it fits it (a JSON-able
    dict; see the module doc). ``log`` gets a progress line every ``log_interval`` steps
    (default: about 10 lines a run) and the summary; ``None`` is silent."""
    from mmengine.runner import set_random_seed
    _check('num_images', isinstance(num_images, int) and num_images >= 1, num_images,
           'an int >= 1')
    _check('iters', isinstance(iters, int) and iters >= 1, iters, 'an int >= 1')
    _check('score_thr', 0 <= score_thr <= 1, score_thr, 'in [0, 1]')
    _check('iou_thr', 0 < iou_thr <= 1, iou_thr, 'in (0, 1]')
    _check('tol_px', tol_px > 0, tol_px, '> 0')
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    _check('device', str(device).split(':')[0] in ('cpu', 'cuda'), device,
           "'cpu' or 'cuda' (optionally 'cuda:N')")
    if str(device).startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'device {device!r} asked for but CUDA is not available; use cpu')
    log = log or (lambda line: None)
    log_interval = log_interval or max(1, iters // 10)
    cfg, dropped = load_overfit_config(config, size, lr, backbone_lr_mult, cfg_options)
    set_random_seed(seed)
    model, optim_wrapper = build_model_and_optim(cfg, device)
    model.init_weights()
    batch = (synthetic_batch(num_images, size, model.bbox_head.num_classes, seed)
             if synthetic else dataset_batch(cfg, num_images))
    history, train_s = _train(model, optim_wrapper, batch, iters, log_interval, log)
    per_image, spread, num_queries = _evaluate(model, batch, score_thr, iou_thr, tol_px)
    gts, recalled = sum(i['gts'] for i in per_image), sum(i['recalled'] for i in per_image)
    recall = recalled / gts if gts else 0.
    with_class = sum(i['recalled_with_class'] for i in per_image)
    distinct_eval = sum(i['distinct_eval'] for i in per_image) / num_images
    distinct_train = sum(i['distinct_train'] for i in per_image) / num_images
    dropout = transformer_dropout(model)
    verdict_, hint = verdict(recall, distinct_eval, distinct_train, dropout, fit_recall)
    report = dict(config=config, synthetic=synthetic, device=device, num_images=num_images,
                  iters=iters, size=size, lr=cfg.optim_wrapper.optimizer.lr,
                  backbone_lr_mult=_backbone_lr_mult(cfg), seed=seed,
                  cfg_options={k: repr(v) for k, v in (cfg_options or {}).items()},
                  dropped_transforms=dropped, transformer_dropout=dropout,
                  score_thr=score_thr, iou_thr=iou_thr, tol_px=tol_px, train_s=train_s,
                  loss_history=history, final_losses={k: v for k, v in history[-1].items()
                                                      if k != 'iter'},
                  recalled=recalled, gts=gts, recall=recall,
                  recalled_with_class=with_class,
                  class_recall=with_class / gts if gts else 0., distinct_eval=distinct_eval,
                  distinct_train=distinct_train, num_queries=num_queries,
                  query_spread=spread, per_image=per_image, verdict=verdict_, hint=hint)
    log(summary(report))
    return report


def _backbone_lr_mult(cfg) -> Optional[float]:
    keys = cfg.optim_wrapper.get('paramwise_cfg', {}).get('custom_keys', {})
    return keys.get('backbone', {}).get('lr_mult')


def summary(report: dict) -> str:
    """The report of :func:`det_overfit` as a few lines of text, the verdict last."""
    last = report['query_spread'][-1]
    losses = '  '.join(f'{k} {v:.4f}' for k, v in report['final_losses'].items())
    lines = [
        f"{report['config']}  ({'synthetic' if report['synthetic'] else 'train set'}, "
        f"{report['num_images']} images, {report['size']} px, {report['iters']} iterations, "
        f"lr {report['lr']:g}, backbone lr_mult {report['backbone_lr_mult']}, transformer "
        f"dropout {report['transformer_dropout']:g}, {report['device']})",
        f'final losses: {losses}',
        f"recall@IoU{report['iou_thr']:g} (score >= {report['score_thr']:g}): "
        f"{report['recalled']}/{report['gts']}, with the right class "
        f"{report.get('recalled_with_class', '-')}/{report['gts']}",
        f"distinct boxes an image (of {report['num_queries']} queries): eval "
        f"{report['distinct_eval']:.1f}, train mode {report['distinct_train']:.1f}  "
        f"(per image eval {[i['distinct_eval'] for i in report['per_image']]}, train "
        f"{[i['distinct_train'] for i in report['per_image']]})",
        f"decoder output spread across queries (eval), last layer: {last['spread']:.4g} "
        f"({last['relative']:.3g} of its RMS); per layer "
        f"{[round(s['spread'], 4) for s in report['query_spread']]}",
        f"verdict: {report['verdict']} -- {report['hint']}",
    ]
    return '\n'.join(lines)
