"""Run OpenMMLab models under the attention recorder and turn what they saw into roll-out maps.

- :func:`init_model` builds any mmlife model from a config + checkpoint; :func:`task_of` tells
  classification (mmpretrain), segmentation (mmseg) and detection (mmdet) apart by the config's
  ``default_scope``.
- :func:`classifier_rollout`: Attention Roll-Out of a classifier's cls token, per image.
- :func:`seg_dense_rollout`, :func:`det_dense_rollout`: Dense Attention Roll-Out of a segmentor's
  backbone / a DETR encoder, per image.

mmpretrain, mmseg and mmdet are imported inside the functions that need them.
"""
import contextlib
import copy
import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .attention_recorder import AttentionRecorder
from .dense_rollout import (boxes_to_masks, dense_rollout, grid_to_canvas,
                            masks_to_token_weights)
from .rollout import attention_rollout, rollout_to_grid

TASKS = {'mmpretrain': 'cls', 'mmseg': 'seg', 'mmdet': 'det'}


def task_of(cfg) -> str:
    """``'cls'``, ``'seg'`` or ``'det'`` from a config's ``default_scope``."""
    scope = cfg.get('default_scope', None)
    if scope not in TASKS:
        raise ValueError(f'cannot tell the task of a config with default_scope={scope!r}; '
                         f'expected one of {sorted(TASKS)}')
    return TASKS[scope]


def init_model(config, checkpoint: Optional[str] = None, device: str = 'cpu',
               cfg_options: Optional[dict] = None):
    """Build a classifier, segmentor or detector from a config file and load a checkpoint.

    Returns ``(model, task)``; the model is in eval mode and carries ``model.cfg`` and its
    ``dataset_meta`` (class names, palette) from the checkpoint or the dataset class.
    """
    from mmengine.config import Config
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    task = task_of(cfg)
    if task == 'cls':
        from mmpretrain.apis import get_model
        model = get_model(cfg, checkpoint, device=device)
        model.cfg = cfg
        model.dataset_meta = dict(model._dataset_meta)
    elif task == 'seg':
        from mmseg.apis import init_model as init_segmentor
        model = init_segmentor(cfg, checkpoint, device=device)
    else:
        from mmdet.apis import init_detector
        model = init_detector(cfg, checkpoint, device=device)
    model.eval()  # (some mmpretrain backbones return None from train())
    return model, task


# ----------------------------------------------------------------------------------------------
# Classification
# ----------------------------------------------------------------------------------------------
@dataclass
class ClsRolloutResult:
    """Attention Roll-Out of one image through a classifier.

    Attributes:
        image (ndarray): ``(H, W, 3)`` RGB uint8, the image as the network saw it (after the
            test pipeline and the resize to the model's input size, before normalisation).
        heatmap (ndarray): ``(H, W)`` cls-token roll-out in ``[0, 1]`` (max-normalised).
        grid (ndarray): ``(h, w)`` the same on the token grid.
        pred_label (int), pred_score (float), pred_class (str): the prediction.
    """
    image: np.ndarray
    heatmap: np.ndarray
    grid: np.ndarray
    pred_label: int
    pred_score: float
    pred_class: str


def _transformer_of(backbone):
    """The part of a classification backbone whose blocks are rolled out."""
    for name in ('layers', 'encoder'):  # ViT/DeiT (+LIFE), T2T-ViT
        if isinstance(getattr(backbone, name, None), torch.nn.ModuleList):
            return getattr(backbone, name)
    return backbone


def _grid_module(backbone):
    """The module that turns the image into tokens and returns ``(tokens, hw_shape)``."""
    for name in ('patch_embed', 'tokens_to_token'):  # ViT/DeiT/Swin, T2T-ViT
        if isinstance(getattr(backbone, name, None), torch.nn.Module):
            return getattr(backbone, name)
    raise ValueError(f'{type(backbone).__name__} has no patch_embed / tokens_to_token: cannot '
                     'tell its token grid')


def classifier_rollout(model, images: Sequence[Union[str, np.ndarray]],
                       head_fusion: str = 'mean', discard_ratio: float = 0.0,
                       batch_size: int = 8) -> List[ClsRolloutResult]:
    """Attention Roll-Out of the cls token of an mmpretrain classifier, for each image.

    The model's test pipeline (from ``model.cfg``) prepares the images; an image that it
    leaves at the image's own size (no resize step) is then resized to the model's input size
    (:func:`model_input_size`), so that a large photo costs what a training image does. The
    attention of the backbone's blocks (``backbone.layers`` / ``backbone.encoder``) is recorded for each batch.

    Args:
        model: from :func:`init_model` (or ``mmpretrain.apis.get_model``).
        images: image paths, or BGR arrays.
        head_fusion, discard_ratio: see :func:`attention_rollout`.
        batch_size (int): images per forward.
    """
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import DefaultScope

    backbone = model.backbone
    num_extra = int(getattr(backbone, 'num_extra_tokens', 1))
    if num_extra < 1:
        raise ValueError(f'{type(backbone).__name__} has no cls token: use the dense roll-out')
    grid_module = _grid_module(backbone)
    cfg = model.cfg
    pipeline_cfg = list(cfg.test_pipeline if 'test_pipeline' in cfg else
                        cfg.test_dataloader.dataset.pipeline)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpretrain')):
        from_file = Compose(pipeline_cfg)
        from_array = Compose([t for t in pipeline_cfg if t['type'] != 'LoadImageFromFile'])
    classes = list((getattr(model, 'dataset_meta', None) or {}).get('classes', []))
    input_hw = model_input_size(model)

    results = []
    for start in range(0, len(images), batch_size):
        batch = []
        for img in images[start:start + batch_size]:
            if isinstance(img, str):
                sample = from_file(dict(img_path=img))
            else:
                sample = from_array(dict(img=img, img_shape=img.shape[:2],
                                         ori_shape=img.shape[:2]))
            batch.append(_resize_inputs(sample, input_hw))
        probe = _Probe(backbone, grid_module)
        try:
            with AttentionRecorder(_transformer_of(backbone)) as rec, torch.no_grad():
                data = model.data_preprocessor(pseudo_collate(batch), False)
                preds = model(**data, mode='predict')
        finally:
            probe.remove()
        rollout = attention_rollout(rec.attentions, head_fusion, discard_ratio)
        grids = rollout_to_grid(rollout, probe.grid_hw, num_extra)
        for sample, pred, grid in zip(batch, preds, grids):
            image = sample['inputs'].permute(1, 2, 0).numpy()[..., ::-1]  # BGR -> RGB
            image = np.ascontiguousarray(image).astype(np.uint8)
            heat = _upsample(grid, image.shape[:2], probe.input_hw, probe.stride(grid_module))
            label = int(pred.pred_label[0])
            results.append(ClsRolloutResult(
                image=image, heatmap=heat, grid=grid.cpu().numpy(), pred_label=label,
                pred_score=float(pred.pred_score[label]), pred_class=_name(classes, label)))
    return results


def model_input_size(model) -> Optional[Tuple[int, int]]:
    """``(H, W)`` a classifier was built for: its patch embedding's input size, else the
    config's ``model.backbone.img_size``, else the backbone class's default ``img_size``."""
    import inspect
    size = getattr(getattr(model.backbone, 'patch_embed', None), 'init_input_size', None)
    if size is None:
        cfg = getattr(model, 'cfg', None)
        size = cfg.model.backbone.get('img_size') if cfg is not None else None
    if size is None:
        param = inspect.signature(type(model.backbone)).parameters.get('img_size')
        size = None if param is None or param.default is param.empty else param.default
    if size is None:
        return None
    h, w = (size, size) if isinstance(size, int) else size
    return int(h), int(w)


def _resize_inputs(sample: dict, input_hw: Optional[Tuple[int, int]]) -> dict:
    """Resize the packed image of a test-pipeline sample to the model's input size where the
    pipeline kept the image's own size (a pipeline without a resize step, e.g. of 32x32 CIFAR,
    would otherwise feed a photo at full size: ~(H*W/patch^2)^2 attention weights a block).
    A size the pipeline chose (resize, crop) is kept."""
    inputs = sample['inputs']
    own_hw = tuple(sample['data_samples'].metainfo.get('ori_shape', inputs.shape[-2:]))[:2]
    if input_hw is None or tuple(inputs.shape[-2:]) == tuple(input_hw) or \
            tuple(inputs.shape[-2:]) != own_hw:
        return sample
    import mmcv
    hwc = inputs.permute(1, 2, 0).numpy()
    resized = mmcv.imresize(np.ascontiguousarray(hwc), (input_hw[1], input_hw[0]),
                            interpolation='area' if hwc.shape[0] > input_hw[0] else 'bilinear')
    if resized.ndim == 2:
        resized = resized[..., None]
    sample = dict(sample, inputs=torch.from_numpy(resized).permute(2, 0, 1).contiguous())
    sample['data_samples'].set_metainfo(dict(img_shape=tuple(input_hw)))
    return sample


def _upsample(grid: torch.Tensor, image_hw, input_hw, stride) -> np.ndarray:
    """Token-grid map -> image pixels (the grid covers ``input_hw``; the image is its top-left)."""
    m = grid_to_canvas(grid.reshape(1, -1), grid.shape, input_hw, stride)
    m = m[:, :image_hw[0], :image_hw[1]]
    if tuple(m.shape[-2:]) != tuple(image_hw):
        m = F.interpolate(m[:, None], size=tuple(image_hw), mode='bilinear')[:, 0]
    return m[0].clamp_min(0).cpu().numpy()


# ----------------------------------------------------------------------------------------------
# Dense prediction
# ----------------------------------------------------------------------------------------------
@dataclass
class DenseRolloutResult:
    """Everything a Dense Roll-Out figure needs, in the original image's pixels.

    Attributes:
        task (str): ``'seg'`` or ``'det'``.
        image (ndarray): ``(H, W, 3)`` RGB uint8, the input image.
        global_map (ndarray): ``(H, W)`` global attention ``G``.
        class_ids (list[int]), class_names (list[str]): the predicted classes, most prominent
            first (largest area for segmentation, highest score for detection).
        class_maps (ndarray): ``(K, H, W)`` signed class-specific maps ``M_c``.
        seg (ndarray, optional): ``(H, W)`` predicted class per pixel (segmentation).
        boxes, scores, labels (ndarray, optional): kept detections (detection).
        palette (list, optional): RGB colour per class from the model's dataset meta.
        grid_hw (tuple): the token grid.
    """
    task: str
    image: np.ndarray
    global_map: np.ndarray
    class_ids: List[int]
    class_names: List[str]
    class_maps: np.ndarray
    seg: Optional[np.ndarray] = None
    boxes: Optional[np.ndarray] = None
    scores: Optional[np.ndarray] = None
    labels: Optional[np.ndarray] = None
    palette: Optional[list] = None
    grid_hw: Tuple[int, int] = field(default=(0, 0))


class _Probe:
    """Hooks that capture the network input size, the token grid and a key padding mask."""

    def __init__(self, input_module, grid_module, mask_module=None):
        self.input_hw = None
        self.grid_hw = None
        self.key_padding_mask = None
        self.calls = 0
        self._handles = [
            input_module.register_forward_pre_hook(self._on_input),
            grid_module.register_forward_hook(self._on_grid),
        ]
        if mask_module is not None:
            self._handles.append(
                mask_module.register_forward_pre_hook(self._on_mask, with_kwargs=True))

    def _on_input(self, module, args):
        self.calls += 1
        self.input_hw = tuple(args[0].shape[-2:])

    def _on_grid(self, module, args, output):
        if isinstance(output, (tuple, list)) and len(output) == 2 and \
                isinstance(output[1], (tuple, list, torch.Size)):
            self.grid_hw = tuple(int(v) for v in output[1])  # (tokens, hw_shape)
        else:
            out = output[-1] if isinstance(output, (tuple, list)) else output
            self.grid_hw = tuple(out.shape[-2:])  # a feature map

    def stride(self, grid_module) -> Tuple[int, int]:
        """Pixels per token: the patch embedding's conv stride where there is one, else the
        largest power of two whose rounded-up division of the input gives the grid (CNN
        features, T2T soft splits)."""
        conv = getattr(grid_module, 'projection', None)
        if isinstance(getattr(conv, 'stride', None), tuple):
            return tuple(conv.stride)
        for s in (2**k for k in range(8, -1, -1)):
            if all(math.ceil(i / s) == g for i, g in zip(self.input_hw, self.grid_hw)):
                return (s, s)
        return tuple(max(1, round(i / g)) for i, g in zip(self.input_hw, self.grid_hw))

    def _on_mask(self, module, args, kwargs):
        self.key_padding_mask = kwargs.get('key_padding_mask')

    def remove(self):
        for h in self._handles:
            h.remove()


def _load_image(image) -> np.ndarray:
    """Path or BGR ndarray -> BGR ndarray (what the OpenMMLab pipelines expect)."""
    import mmcv
    bgr = mmcv.imread(image) if isinstance(image, str) else image
    if bgr is None:
        raise ValueError(f'could not read image {image!r}')
    return bgr


def _to_image(maps: torch.Tensor, grid_hw, canvas_hw, img_hw, ori_hw, stride) -> np.ndarray:
    """Token-grid maps ``(K, h*w)`` -> ``(K, H_ori, W_ori)`` numpy, in original image pixels."""
    m = grid_to_canvas(maps, grid_hw, canvas_hw, stride)[:, :img_hw[0], :img_hw[1]]
    m = F.interpolate(m[:, None], size=tuple(ori_hw), mode='bilinear', align_corners=False)
    return m[:, 0].cpu().numpy()


def _rollout_one(recorder: AttentionRecorder, head_fusion, discard_ratio) -> torch.Tensor:
    """Roll-out ``(N, N)`` of the one image the recorder saw."""
    return attention_rollout(recorder.attentions, head_fusion, discard_ratio)[0]


def _dataset_meta(model):
    meta = getattr(model, 'dataset_meta', None) or {}
    return list(meta.get('classes', [])), meta.get('palette')


def seg_dense_rollout(model, image, head_fusion: str = 'mean', discard_ratio: float = 0.0,
                      max_classes: Optional[int] = None,
                      min_area: float = 0.0) -> DenseRolloutResult:
    """Dense Roll-Out of an mmseg segmentor with a ViT-like backbone (one image).

    The backbone's attention is recorded during ``mmseg.apis.inference_model``; its patch
    embedding gives the token grid and ``backbone.num_extra_tokens`` the extra tokens.

    Args:
        model: an mmseg segmentor from ``mmseg.apis.init_model``.
        image (str or ndarray): image path or BGR array.
        head_fusion, discard_ratio: see :func:`attention_rollout`.
        max_classes (int, optional): keep the largest classes only.
        min_area (float): drop classes covering less than this fraction of the image.
    """
    from mmseg.apis import inference_model

    backbone = model.backbone
    grid_module = _grid_module(backbone)
    bgr = _load_image(image)
    probe = _Probe(backbone, grid_module)
    cfg = model.cfg  # inference_model edits model.cfg's pipeline for arrays: give it a copy
    model.cfg = copy.deepcopy(cfg)
    try:
        with AttentionRecorder(backbone) as rec:
            result = inference_model(model, bgr)
    finally:
        model.cfg = cfg
        probe.remove()
    if probe.calls != 1:
        raise RuntimeError(f'the backbone ran {probe.calls} times for one image; dense roll-out '
                           'needs one whole-image forward '
                           '(--cfg-options model.test_cfg.mode=whole)')
    num_extra = int(getattr(backbone, 'num_extra_tokens', 0))
    R = _rollout_one(rec, head_fusion, discard_ratio)
    grid_hw = probe.grid_hw
    meta = result.metainfo
    img_hw = tuple(meta['img_shape'][:2])
    ori_hw = tuple(meta['ori_shape'][:2])
    canvas_hw = probe.input_hw

    seg = result.pred_sem_seg.data[0].cpu()  # (H_ori, W_ori)
    classes, palette = _dataset_meta(model)
    ids, counts = torch.unique(seg, return_counts=True)
    keep = [(int(c), int(n)) for c, n in zip(ids, counts)
            if c >= 0 and (not classes or c < len(classes)) and n >= min_area * seg.numel()]
    keep.sort(key=lambda cn: -cn[1])  # largest first
    if max_classes is not None:
        keep = keep[:max_classes]
    class_ids = [c for c, _ in keep]
    if not class_ids:
        raise ValueError('the model predicted no class to explain')
    # predicted classes on the network input canvas: original -> resized -> padded
    seg_in = F.interpolate(seg[None, None].float(), size=img_hw, mode='nearest')[0, 0].long()
    masks = torch.zeros(len(class_ids), *canvas_hw)
    for k, c in enumerate(class_ids):
        masks[k, :img_hw[0], :img_hw[1]] = (seg_in == c).float()
    stride = probe.stride(grid_module)
    weights = masks_to_token_weights(masks, grid_hw, stride)
    valid = masks_to_token_weights(_region(canvas_hw, img_hw), grid_hw, stride)[0] > 0
    dense = dense_rollout(R, weights.to(R.device), valid.to(R.device), num_extra)
    maps = torch.cat([dense.global_map[None], dense.class_maps])
    maps = _to_image(maps, grid_hw, canvas_hw, img_hw, ori_hw, stride)
    return DenseRolloutResult(
        task='seg', image=bgr[..., ::-1].copy(), global_map=maps[0], class_ids=class_ids,
        class_names=[_name(classes, c) for c in class_ids], class_maps=maps[1:],
        seg=seg.numpy(), palette=palette, grid_hw=grid_hw)


def det_dense_rollout(model, image, score_thr: float = 0.5, head_fusion: str = 'mean',
                      discard_ratio: float = 0.0, max_classes: Optional[int] = None,
                      with_backbone: bool = False) -> DenseRolloutResult:
    """Dense Roll-Out of an mmdet DETR-like detector's transformer encoder (one image).

    The encoder's self-attention is recorded during ``mmdet.apis.inference_detector``; the token
    grid is the last feature map fed to it (neck output, else backbone output) and the padding
    mask is the encoder's ``key_padding_mask``. Tokens are weighted by how much of their cell the
    kept boxes (score >= ``score_thr``) of each class cover.

    Args:
        with_backbone (bool): also roll out through a ViT backbone whose patch grid is the
            encoder's grid (e.g. DeiT + a 1x1 ChannelMapper): ``R = R_encoder @ P`` with ``P``
            the backbone roll-out between patch tokens, rows renormalised (what flowed through
            the cls token is dropped). Defaults to False (encoder only).

    Returns:
        DenseRolloutResult: with no class maps (``class_ids`` empty) when no detection scores
        ``score_thr`` or more; the global map does not depend on the threshold.
    """
    from mmdet.apis import inference_detector

    encoder = getattr(model, 'encoder', None)
    if encoder is None:
        raise ValueError(f'{type(model).__name__} has no transformer encoder (model.encoder)')
    grid_module = model.neck if getattr(model, 'with_neck', False) else model.backbone
    bgr = _load_image(image)
    probe = _Probe(model.backbone, grid_module, encoder)
    try:
        with contextlib.ExitStack() as stack:
            rec = stack.enter_context(AttentionRecorder(encoder))
            if with_backbone:
                bb_rec = stack.enter_context(
                    AttentionRecorder(_transformer_of(model.backbone)))
            result = inference_detector(model, bgr)
    finally:
        probe.remove()
    if probe.calls != 1:
        raise RuntimeError(f'the backbone ran {probe.calls} times for one image; dense roll-out '
                           'needs a single forward (no test-time augmentation)')
    R = _rollout_one(rec, head_fusion, discard_ratio)
    grid_hw = probe.grid_hw
    if grid_hw[0] * grid_hw[1] != R.shape[-1]:
        raise RuntimeError(f'encoder has {R.shape[-1]} tokens but the feature grid is {grid_hw}')
    if with_backbone:
        num_extra = int(getattr(model.backbone, 'num_extra_tokens', 0))
        P = _rollout_one(bb_rec, head_fusion, discard_ratio)[num_extra:, num_extra:]
        if P.shape != R.shape:
            raise ValueError(f'the backbone has {P.shape[0]} patch tokens, the encoder '
                             f'{R.shape[0]}: with_backbone needs the same token grid')
        R = R @ (P / P.sum(dim=-1, keepdim=True))
    meta = result.metainfo
    img_hw = tuple(meta['img_shape'][:2])
    ori_hw = tuple(meta['ori_shape'][:2])
    canvas_hw = probe.input_hw

    inst = result.pred_instances
    keep = inst.scores >= score_thr
    boxes, scores, labels = (inst.bboxes[keep].cpu(), inst.scores[keep].cpu(),
                             inst.labels[keep].cpu())
    classes, palette = _dataset_meta(model)
    class_ids = []
    for i in scores.argsort(descending=True).tolist():
        if int(labels[i]) not in class_ids:
            class_ids.append(int(labels[i]))
    if max_classes is not None:
        class_ids = class_ids[:max_classes]
    stride = probe.stride(grid_module)
    if class_ids:
        # boxes: original pixels -> network input pixels
        sx, sy = (meta.get('scale_factor') or
                  (img_hw[1] / ori_hw[1], img_hw[0] / ori_hw[0]))[:2]
        boxes_in = boxes * torch.tensor([sx, sy, sx, sy])
        box_masks = boxes_to_masks(boxes_in, canvas_hw)
        masks = torch.stack([box_masks[labels == c].amax(dim=0) for c in class_ids])
        weights = masks_to_token_weights(masks, grid_hw, stride)
    else:  # no detection scores score_thr: the global map only
        weights = torch.zeros(0, grid_hw[0] * grid_hw[1])
    if probe.key_padding_mask is not None:
        valid = ~probe.key_padding_mask[0].bool().reshape(-1).cpu()
    else:
        valid = masks_to_token_weights(_region(canvas_hw, img_hw), grid_hw, stride)[0] > 0
    dense = dense_rollout(R, weights.to(R.device), valid.to(R.device))
    maps = torch.cat([dense.global_map[None], dense.class_maps])
    maps = _to_image(maps, grid_hw, canvas_hw, img_hw, ori_hw, stride)
    return DenseRolloutResult(
        task='det', image=bgr[..., ::-1].copy(), global_map=maps[0], class_ids=class_ids,
        class_names=[_name(classes, c) for c in class_ids], class_maps=maps[1:],
        boxes=boxes.numpy(), scores=scores.numpy(), labels=labels.numpy(), palette=palette,
        grid_hw=grid_hw)


def _region(canvas_hw, img_hw) -> torch.Tensor:
    mask = torch.zeros(1, *canvas_hw)
    mask[:, :img_hw[0], :img_hw[1]] = 1
    return mask


def _name(classes, c) -> str:
    return str(classes[c]) if 0 <= c < len(classes) else str(c)
