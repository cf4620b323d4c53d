from .atomic_checkpoint_hook import AtomicCheckpointHook, atomic_write_text
from .epoch_seed_hook import EpochSeedHook, epoch_seed

__all__ = ['AtomicCheckpointHook', 'EpochSeedHook', 'atomic_write_text', 'epoch_seed']
