"""Segmentation models of mmlife, registered into mmseg's MODELS.

The backbones are mmlife's mmpretrain ones (``type='mmpretrain.LIFEVisionTransformer'`` with
``out_type='featmap'``); importing this package registers them too. The paper's linear head is
stock mmseg ``FCNHead(num_convs=0, concat_input=False, dropout_ratio=0)`` (see
``configs/segmentation/_base_/models/linear_deit-tiny_p16.py``), so mmlife adds no head.
"""
import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer into mmpretrain's MODELS)
