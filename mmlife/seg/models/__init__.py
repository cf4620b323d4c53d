"""Segmentation models of mmlife, registered into mmseg's MODELS.

The backbones are mmlife's mmpretrain ones (``type='mmpretrain.LIFEVisionTransformer'`` with
``out_type='featmap'``); importing this package registers them too.
"""
import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer into mmpretrain's MODELS)
from .decode_heads import LinearUpsampleHead

__all__ = ['LinearUpsampleHead']
