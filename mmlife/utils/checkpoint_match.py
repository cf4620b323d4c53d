"""Refuse checkpoints that do not fit the model, or hold NaN / Inf weights, before a run uses them.

mmengine's ``Runner`` loads ``load_from`` with ``strict=False``: missing and unexpected keys and
shape mismatches are only logged, and the run (a test, or a fine-tuning) goes on with randomly
initialised weights where the checkpoint did not fit, and reports a metric. :func:`check_checkpoint`
compares a checkpoint with a model and raises, naming the keys; :func:`check_runner_load_from`
does it for a runner's ``load_from`` and writes the findings to the run's log.
"""
import re
from typing import List, Optional, Tuple

import torch
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader

from .data_check import short_list


class CheckpointMismatchError(ValueError):
    """Keys or shapes of a checkpoint that do not match the model."""


class NonFiniteCheckpointError(ValueError):
    """A checkpoint whose weights hold NaN or Inf."""


def _state_dict(checkpoint) -> dict:
    """The model weights of a checkpoint, keys revised as mmengine does (``module.`` dropped)."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointMismatchError(
            f'the checkpoint holds a {type(checkpoint).__name__}, not a state dict')
    return {re.sub(r'^module\.', '', k): v for k, v in state.items() if k != '_metadata'}


def _hint(missing: List[str], unexpected: List[str], mismatched) -> str:
    life = '.qkv.life.'
    if any(life in k for k in unexpected) and any(k.endswith('.qkv.weight') for k in missing):
        return (' The checkpoint is of a LIFE model and the config builds a plain one: use the '
                'config with "-life" in its name.')
    if any(life in k for k in missing) and any(k.endswith('.qkv.weight') for k in unexpected):
        return (' The checkpoint is of a plain model and the config builds a LIFE one: use the '
                'config without "-life".')
    if any('patch_embed' in k for k, _, _ in mismatched):
        return (' The patch embedding differs: the checkpoint was trained with another patch size '
                'than the config.')
    return ''


def as_loaded(model: torch.nn.Module, state: dict) -> dict:
    """``state`` as ``model.load_state_dict`` sees it after the model's own load hooks, as a new
    dict (``state`` is left as it is). mmpretrain's vision transformers, for one, resize a position
    embedding of another token grid in such a hook, so that it is no mismatch, and its SwinV2
    drops the buffers it rebuilds itself (relative position tables)."""
    state = dict(state)
    for name, module in model.named_modules():
        for hook in module._load_state_dict_pre_hooks.values():
            # the arguments torch's Module._load_from_state_dict gives them
            hook(state, f'{name}.' if name else '', {}, False, [], [], [])
    return state


def compare_state_dicts(model: torch.nn.Module, state: dict
                        ) -> Tuple[List[str], List[str], List[Tuple[str, tuple, tuple]]]:
    """Missing keys, unexpected keys and ``(key, checkpoint shape, model shape)`` mismatches,
    after the model's load hooks (:func:`as_loaded`); what a hook drops on purpose is not
    missing."""
    given, state = set(state), as_loaded(model, state)
    own = model.state_dict()
    missing = sorted(set(own) - set(state) - given)
    unexpected = sorted(set(state) - set(own))
    mismatched = [(k, tuple(state[k].shape), tuple(own[k].shape)) for k in sorted(own)
                  if k in state and torch.is_tensor(state[k]) and state[k].shape != own[k].shape]
    return missing, unexpected, mismatched


def non_finite_keys(model: torch.nn.Module, state: dict) -> List[str]:
    """Keys of floating tensors with a NaN anywhere, or an Inf in one of the model's parameters
    (buffers such as attention masks may hold -inf on purpose)."""
    params = {name for name, _ in model.named_parameters()}
    bad = []
    for key, value in state.items():
        if not (torch.is_tensor(value) and value.is_floating_point()):
            continue
        if torch.isnan(value).any() or (key in params and torch.isinf(value).any()):
            bad.append(key)
    return sorted(bad)


def check_checkpoint(model: torch.nn.Module, filename: str, allow_partial: bool = False,
                     logger: Optional[MMLogger] = None) -> None:
    """Raise unless the checkpoint ``filename`` fits ``model`` exactly and is finite.

    Args:
        model: the model (a wrapper such as DDP is unwrapped).
        filename: a path or URL that mmengine's ``CheckpointLoader`` reads.
        allow_partial: only log (as a warning) missing / unexpected keys and shape mismatches.
            NaN / Inf weights are refused either way.
        logger: where to write the findings; defaults to mmengine's current logger (the
            runner's, which writes the work dir's log file).

    Raises:
        NonFiniteCheckpointError: weights with NaN (or Inf in a parameter), naming them.
        CheckpointMismatchError: keys or shapes that differ, naming them and a likely cause.
    """
    logger = logger or MMLogger.get_current_instance()
    model = model.module if is_model_wrapper(model) else model
    state = _state_dict(CheckpointLoader.load_checkpoint(filename, map_location='cpu'))
    bad = non_finite_keys(model, state)
    if bad:
        msg = (f'Refusing checkpoint {filename}: {len(bad)} weight tensors hold NaN or Inf: '
               f'{short_list(bad)}. The training that wrote it diverged; use an earlier checkpoint.')
        logger.error(msg)
        raise NonFiniteCheckpointError(msg)
    missing, unexpected, mismatched = compare_state_dicts(model, state)
    if not (missing or unexpected or mismatched):
        logger.info(f'Checkpoint {filename}: all {len(state)} tensors match the model.')
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} model keys missing from the checkpoint ({short_list(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} checkpoint keys not in the model '
                     f'({short_list(unexpected)})')
    if mismatched:
        shapes = [f'{k}: checkpoint {c} vs model {m}' for k, c, m in mismatched]
        parts.append(f'{len(mismatched)} shape mismatches ({short_list(shapes, 3)})')
    msg = (f'Checkpoint {filename} does not match the model of the config: ' + '; '.join(parts)
           + '.' + _hint(missing, unexpected, mismatched))
    if allow_partial:
        logger.warning(msg + ' Loading what fits (--allow-partial); the rest keeps its '
                       'initialisation.')
        return
    msg += (' Use the config the checkpoint was trained with, or pass --allow-partial to load '
            'only what fits (the rest keeps its initialisation).')
    logger.error(msg)
    raise CheckpointMismatchError(msg)


def check_runner_load_from(runner, allow_partial: bool = False) -> None:
    """:func:`check_checkpoint` for ``runner``'s ``load_from`` (not when resuming: the resumed
    checkpoint was written by the same config). Call it after building the runner, before
    ``runner.train()`` / ``runner.test()``."""
    load_from = runner.cfg.get('load_from')
    if load_from and not runner.cfg.get('resume', False):
        check_checkpoint(runner.model, load_from, allow_partial, runner.logger)
