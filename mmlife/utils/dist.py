"""Distributed training without GPUs (gloo), for CI and laptops."""
import os

import torch
import torch.distributed as torch_dist


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Make a ``--launcher pytorch`` run work on CPU-only machines.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and wraps the model with
    ``device_ids=[LOCAL_RANK]``; both fail without CUDA. When CUDA is absent this initialises the
    process group with gloo first (mmengine then skips its own init) and wraps the model in
    ``MMDistributedDataParallel`` with ``device_ids=None``. With CUDA it does nothing.

    Returns:
        bool: True when the CPU path was set up.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return True


def destroy_distributed() -> None:
    """Tear the process group down before the interpreter exits.

    Left to the interpreter's shutdown, gloo's worker threads can be destroyed while still
    joinable, and a rank that finished training aborts (``terminate called without an active
    exception``), failing the whole ``torchrun`` job. Safe to call when no group exists.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
