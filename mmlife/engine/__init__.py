"""Training-runtime parts of mmlife: crash-safe checkpoints, exact resume, work-dir checks, an
optimizer constructor with few parameter groups, an eager optimizer step for mmengine's
``compile=True``, ``torch.compile`` of chosen submodules (``compile_modules``), a
runtime-info hook without a host sync every iteration, and a weight EMA updated with
multi-tensor ops.

Importing it registers :class:`AtomicCheckpointHook`, :class:`EpochSeedHook`,
:class:`EagerOptimizerStepHook`, :class:`DeferredRuntimeInfoHook`,
:class:`CompileModulesHook`, :class:`MergedGroupsOptimWrapperConstructor` and
:class:`ForeachExponentialMovingAverage` (an ``ema_type`` of ``EMAHook``) in mmengine's
root registries, where the mmpretrain, mmdet and mmseg scopes all find them. It imports only
mmengine, numpy and torch (never mmpretrain, mmdet or mmseg); ``import mmlife`` imports it.
"""
from .hooks import (AtomicCheckpointHook, CompileModulesHook, DeferredRuntimeInfoHook,
                    EagerOptimizerStepHook, EpochSeedHook, atomic_write_text, compile_modules,
                    epoch_seed)
from .model import ForeachExponentialMovingAverage
from .optimizers import MergedGroupsOptimWrapperConstructor, merge_param_groups
from .work_dir import WorkDirError, check_work_dir, checkpoints_in, resolve_last_checkpoint

__all__ = ['AtomicCheckpointHook', 'CompileModulesHook', 'DeferredRuntimeInfoHook',
           'EagerOptimizerStepHook', 'EpochSeedHook', 'atomic_write_text', 'compile_modules',
           'epoch_seed', 'ForeachExponentialMovingAverage', 'MergedGroupsOptimWrapperConstructor',
           'merge_param_groups',
           'WorkDirError', 'check_work_dir', 'checkpoints_in', 'resolve_last_checkpoint']
