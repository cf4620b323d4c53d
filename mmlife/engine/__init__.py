"""Training-runtime parts of mmlife: crash-safe checkpoints, exact resume, work-dir checks, an
optimizer constructor with few parameter groups, an eager optimizer step for mmengine's
``compile=True``, ``torch.compile`` of chosen submodules (``compile_modules``), and a
runtime-info hook without a host sync every iteration.

Importing it registers :class:`AtomicCheckpointHook`, :class:`EpochSeedHook`,
:class:`EagerOptimizerStepHook`, :class:`DeferredRuntimeInfoHook`,
:class:`CompileModulesHook` and
:class:`MergedGroupsOptimWrapperConstructor` in mmengine's
root registries, where the mmpretrain, mmdet and mmseg scopes all find them. It imports only
mmengine, numpy and torch (never mmpretrain, mmdet or mmseg); ``import mmlife`` imports it.
"""
from .hooks import (AtomicCheckpointHook, CompileModulesHook, DeferredRuntimeInfoHook,
                    EagerOptimizerStepHook, EpochSeedHook, atomic_write_text, compile_modules,
                    epoch_seed)
from .optimizers import MergedGroupsOptimWrapperConstructor, merge_param_groups
from .work_dir import WorkDirError, check_work_dir, checkpoints_in, resolve_last_checkpoint

__all__ = ['AtomicCheckpointHook', 'CompileModulesHook', 'DeferredRuntimeInfoHook',
           'EagerOptimizerStepHook', 'EpochSeedHook', 'atomic_write_text', 'compile_modules',
           'epoch_seed', 'MergedGroupsOptimWrapperConstructor', 'merge_param_groups',
           'WorkDirError', 'check_work_dir', 'checkpoints_in', 'resolve_last_checkpoint']
