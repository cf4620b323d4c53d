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
    """After a successful run: wait for every rank, then tear the process group down.

    A rank that finishes first (rank 0 still saving and logging) and exits while the others
    still talk to it can abort in gloo's teardown (``terminate called without an active
    exception``), failing the whole ``torchrun`` job; seen in about 1 of 7 runs of the 2-rank
    CPU test. Only call it when all ranks got here (not after an exception: the barrier would
    wait for a rank that is gone). Does nothing without a process group.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
