"""mmlife models. Importing this registers the classification models into mmpretrain's MODELS,
and their configs into mmpretrain's model hub (``mmpretrain.list_models('*life*')``).

Detection (mmdet) and segmentation (mmseg) parts live in their own subpackages and are imported
only by the configs that need them, so classification never imports mmdet or mmseg.
"""
from ..utils.model_index import register_classification_models
from . import backbones
from .backbones import *  # noqa: F401,F403
from .layers import LIFE, GridQKV, split_channels
from .utils import BatchLabelClsDataPreprocessor, ConvTokenizer

register_classification_models()

__all__ = ['LIFE', 'GridQKV', 'split_channels', 'BatchLabelClsDataPreprocessor', 'ConvTokenizer',
           *backbones.__all__]
