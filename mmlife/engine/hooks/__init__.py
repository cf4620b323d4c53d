from .atomic_checkpoint_hook import AtomicCheckpointHook, atomic_write_text
from .compile_modules_hook import CompileModulesHook, compile_modules
from .deferred_runtime_info_hook import DeferredRuntimeInfoHook
from .eager_optimizer_step_hook import EagerOptimizerStepHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed

__all__ = ['AtomicCheckpointHook', 'CompileModulesHook', 'compile_modules',
           'DeferredRuntimeInfoHook', 'EagerOptimizerStepHook',
           'EpochSeedHook', 'atomic_write_text', 'epoch_seed']
