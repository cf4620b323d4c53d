"""Training-runtime parts of mmlife: crash-safe checkpoints, exact resume, work-dir checks.

Importing it registers :class:`AtomicCheckpointHook` and :class:`EpochSeedHook` in mmengine's
root ``HOOKS`` registry, where the mmpretrain, mmdet and mmseg scopes all find them. It imports
only mmengine, numpy and torch (never mmpretrain, mmdet or mmseg); ``import mmlife`` imports it.
"""
from .hooks import AtomicCheckpointHook, EpochSeedHook, atomic_write_text, epoch_seed
from .work_dir import WorkDirError, check_work_dir, checkpoints_in, resolve_last_checkpoint

__all__ = ['AtomicCheckpointHook', 'EpochSeedHook', 'atomic_write_text', 'epoch_seed',
           'WorkDirError', 'check_work_dir', 'checkpoints_in', 'resolve_last_checkpoint']
