"""mmlife: LIFE (Local InFormation Enhancer) for vision transformers in OpenMMLab."""
from . import engine  # noqa: F401  (registers AtomicCheckpointHook, EpochSeedHook in mmengine)
from .utils.checkpoint import register_safe_globals
from .version import __version__

register_safe_globals()

__all__ = ['__version__']
