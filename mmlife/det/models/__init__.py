"""Detection models of mmlife, registered into mmdet's ``MODELS``.

The backbones are mmpretrain's (``mmpretrain.LIFEVisionTransformer`` from
:mod:`mmlife.models`, with ``out_type='featmap'``), used from mmdet configs by their scoped name.
"""
from .dense_heads import BatchedMatchConditionalDETRHead, BatchedMatchDETRHead
from .detectors import LIFEConditionalDETR, LIFEDETR
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all

__all__ = ['BatchedMatchConditionalDETRHead', 'BatchedMatchDETRHead', 'LIFEConditionalDETR',
           'LIFEDETR', *_layers_all]
