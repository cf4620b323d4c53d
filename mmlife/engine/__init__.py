"""mmengine extensions of mmlife (hooks), registered into mmengine's root registries so that
every OpenMMLab scope (mmpretrain, mmdet, mmseg) finds them."""
from .hooks import EagerOptimizerStepHook

__all__ = ['EagerOptimizerStepHook']
