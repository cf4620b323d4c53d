"""Turn an mmpretrain classifier checkpoint into the init file of a detection or segmentation
backbone.

A classifier trained with a repo config (e.g.
``configs/classification/deit/deit-tiny_p16_8xb64_imagenette.py``) saves an mmengine checkpoint:
``state_dict`` with ``backbone.*``, ``head.*`` (and possibly ``neck.*``) keys, plus ``optimizer``,
``param_schedulers``, ``message_hub`` and ``meta``. The detection and segmentation configs load
their backbone with

    init_cfg=dict(type='Pretrained', checkpoint='pretrain/....pth', prefix='backbone.')

i.e. they read ``state_dict``, keep the ``backbone.`` keys and strip the prefix. The converted
file keeps exactly those keys (prefix included, so the same ``init_cfg`` reads it, as it reads an
official mmpretrain checkpoint) and drops the head and the training state, about a third of the
size of the classifier checkpoint.

A classifier trained with mmengine's ``EMAHook`` (the ``*-official_cifar10.py`` configs) saves
the average of the weights as ``state_dict`` (mmengine's convention, for deployment) and the
trained weights in ``ema_state_dict`` (keys ``module.*``); ``weights='trained'`` converts those,
the ones the training logs validated.

The position embedding stays at the classifier's grid (14 x 14 for 224 px and patch 16): the
backbone (mmpretrain's ``VisionTransformer._prepare_pos_embed``, a ``load_state_dict`` pre-hook)
resizes it to its own grid when it loads, e.g. 32 x 32 for a 512 x 512 DETR input.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional

import torch

_META_TYPES = (bool, int, float, str)


def trained_weights(checkpoint: Mapping) -> Dict[str, torch.Tensor]:
    """The trained weights of a checkpoint saved with mmengine's ``EMAHook``.

    mmengine's ``EMAHook`` swaps the two before saving: ``state_dict`` holds the moving average,
    ``ema_state_dict`` the trained model under ``module.`` (and the average's ``steps``).

    Raises:
        ValueError: when the checkpoint has no ``ema_state_dict`` (trained without an EMA: its
            ``state_dict`` is the trained weights), or its keys do not match ``state_dict``'s.
    """
    if 'ema_state_dict' not in checkpoint:
        raise ValueError('The checkpoint has no ema_state_dict (it was trained without EMAHook): '
                         'its state_dict holds the trained weights; use weights="state_dict".')
    trained = OrderedDict((k[len('module.'):], v) for k, v in checkpoint['ema_state_dict'].items()
                          if k.startswith('module.'))
    state = checkpoint.get('state_dict', {})
    if set(trained) != set(state):
        raise ValueError(f'ema_state_dict does not match state_dict: {len(trained)} against '
                         f'{len(state)} keys (first differing: '
                         f'{sorted(set(trained) ^ set(state))[:3]})')
    return trained


def classifier_to_backbone(checkpoint: Mapping, prefix: str = 'backbone.',
                           weights: str = 'state_dict') -> dict:
    """The backbone part of a classifier checkpoint, in the layout ``init_cfg`` reads.

    Args:
        checkpoint (Mapping): a loaded mmengine checkpoint (a dict with ``state_dict``) or a bare
            state dict.
        prefix (str): the backbone's key prefix in the classifier. Defaults to ``'backbone.'``.
        weights (str): ``'state_dict'`` (the checkpoint's ``state_dict``: the EMA when trained
            with ``EMAHook``) or ``'trained'`` (the trained weights of an ``EMAHook`` run, see
            :func:`trained_weights`). Defaults to ``'state_dict'``.

    Returns:
        dict: ``dict(state_dict=..., meta=...)``: the ``prefix``-keys of the state dict (prefix
        kept, tensors unchanged) and the plain-valued entries of the source ``meta`` (epoch,
        iteration, seed, versions, the training config as text).

    Raises:
        ValueError: when no key starts with ``prefix`` (not a classifier checkpoint, or a
            different prefix), or when a kept value is not a tensor.
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f'expected a checkpoint dict, got {type(checkpoint).__name__}')
    if weights not in ('state_dict', 'trained'):
        raise ValueError(f"weights must be 'state_dict' or 'trained', got {weights!r}")
    state = (trained_weights(checkpoint) if weights == 'trained'
             else checkpoint.get('state_dict', checkpoint))
    kept = OrderedDict((k, v) for k, v in state.items() if k.startswith(prefix))
    if not kept:
        raise ValueError(
            f'No key of the checkpoint\'s state_dict starts with {prefix!r} (its first keys: '
            f'{list(state)[:5]}). Give an mmpretrain classifier checkpoint (keys backbone.*, '
            'head.*), or the prefix its backbone keys have (--prefix).')
    bad = [k for k, v in kept.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise ValueError(f'Backbone entries that are not tensors: {bad[:5]}')
    meta = {k: v for k, v in checkpoint.get('meta', {}).items() if isinstance(v, _META_TYPES)}
    if 'ema_state_dict' in checkpoint:
        meta['weights'] = 'trained' if weights == 'trained' else 'ema'
    return dict(state_dict=kept, meta=meta)


def check_backbone_loads(state_dict: Mapping, backbone_cfg: dict,
                         prefix: str = 'backbone.') -> None:
    """Build ``backbone_cfg`` (an mmpretrain backbone config, e.g. ``cfg.model.backbone`` of a
    detection or segmentation config) and load ``state_dict`` into it strictly, as its
    ``init_cfg`` would (position embeddings resized by the backbone's load hook).

    Raises:
        ValueError: naming the missing and unexpected keys, e.g. a DeiT-T-LIFE checkpoint for a
            DeiT-T backbone.
    """
    import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer)
    from mmpretrain.registry import MODELS

    backbone = MODELS.build(dict(backbone_cfg, init_cfg=None))  # 'mmpretrain.X' types too
    weights = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    missing, unexpected = backbone.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise ValueError(
            f'The weights do not fit the backbone {backbone_cfg.get("type")} '
            f'(use_life={backbone_cfg.get("use_life")}): missing keys {missing[:6]}'
            f'{" ..." if len(missing) > 6 else ""}, unexpected keys {unexpected[:6]}'
            f'{" ..." if len(unexpected) > 6 else ""}. Was the classifier trained with the same '
            'arch and use_life as this config?')


def _load_source(src: str, dst: str) -> dict:
    """The checkpoint ``src`` (weights_only, on the CPU) that a converter writes to ``dst``;
    ValueError where ``dst`` is ``src``."""
    from mmengine.runner import CheckpointLoader

    import mmlife.utils.checkpoint  # noqa: F401  (weights_only loading of local files)

    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError(f'{dst}: the output would overwrite its source checkpoint')
    return CheckpointLoader.load_checkpoint(src, map_location='cpu')


def _save(obj: dict, dst: str) -> None:
    """``torch.save`` to ``dst``, its folder created."""
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(obj, dst)


def convert_classifier_checkpoint(src: str, dst: str, prefix: str = 'backbone.',
                                  check_config: Optional[str] = None,
                                  weights: str = 'state_dict') -> Dict[str, List[str]]:
    """Read the classifier checkpoint ``src``, write its backbone init file to ``dst``.

    Args:
        src (str): the classifier checkpoint (e.g. ``work_dirs/.../epoch_100.pth``).
        dst (str): the output file; its folder is created.
        prefix (str): the backbone's key prefix. Defaults to ``'backbone.'``.
        check_config (str, optional): a detection or segmentation config whose backbone must
            load the result strictly (see :func:`check_backbone_loads`); nothing is written if
            it does not.
        weights (str): ``'state_dict'`` or ``'trained'``, see :func:`classifier_to_backbone`.

    Returns:
        dict: ``kept`` and ``dropped`` state-dict keys, and the ``dropped_entries`` of the
        checkpoint (``optimizer``, ``message_hub``, ...).
    """
    checkpoint = _load_source(src, dst)
    converted = classifier_to_backbone(checkpoint, prefix, weights)
    if check_config is not None:
        from mmengine.config import Config
        check_backbone_loads(converted['state_dict'],
                             Config.fromfile(check_config).model.backbone, prefix)
    converted['meta']['converted_from'] = osp.basename(src)
    _save(converted, dst)
    state = checkpoint.get('state_dict', checkpoint)
    return dict(kept=list(converted['state_dict']),
                dropped=[k for k in state if not k.startswith(prefix)],
                dropped_entries=[k for k in checkpoint if k not in ('state_dict', 'meta')]
                if 'state_dict' in checkpoint else [])


def drop_ema(checkpoint: Mapping) -> dict:
    """An ``EMAHook`` checkpoint without its moving average, to resume with a fresh one.

    ``state_dict`` becomes the trained weights (:func:`trained_weights`) and ``ema_state_dict``
    goes; the optimizer, schedulers, message hub and meta stay. Resumed from it, ``EMAHook``
    (mmpretrain's and mmengine's) starts the average from the trained weights. For a run whose
    EMA settings change at the resume (e.g. its momentum): the old average would carry over
    otherwise. Training never reads the average, so the run goes on exactly as from the
    original checkpoint.

    Raises:
        ValueError: when the checkpoint has no ``ema_state_dict`` (see :func:`trained_weights`).
    """
    out = dict(checkpoint)
    out['state_dict'] = trained_weights(checkpoint)
    del out['ema_state_dict']
    out['meta'] = dict(out.get('meta', {}), ema_dropped=True)
    return out


def drop_ema_file(src: str, dst: str) -> int:
    """Read the checkpoint ``src``, write :func:`drop_ema` of it to ``dst``; returns the number
    of weight tensors."""
    out = drop_ema(_load_source(src, dst))
    _save(out, dst)
    return len(out['state_dict'])
