"""mmlife models. Importing this registers the classification models into mmpretrain's MODELS.

Detection (mmdet) and segmentation (mmseg) parts live in their own subpackages and are imported
only by the configs that need them, so classification never imports mmdet or mmseg.
"""
from . import backbones
from .backbones import *  # noqa: F401,F403
from .layers import LIFE, GridQKV, split_channels

__all__ = ['LIFE', 'GridQKV', 'split_channels', *backbones.__all__]
