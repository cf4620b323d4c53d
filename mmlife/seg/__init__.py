"""mmlife for mmsegmentation: the CamVid dataset and mmlife's backbones for mmseg configs.

Importing this package registers :class:`CamVidDataset` into mmseg's DATASETS and mmlife's ViT
backbones into mmpretrain's MODELS (used from mmseg configs as
``type='mmpretrain.LIFEVisionTransformer'``). The paper's linear head is stock mmseg
``FCNHead`` with ``num_convs=0`` (a 1x1 conv = one Linear per token, then the stock bilinear
resize to the label / input size). Segmentation configs import this package with
``custom_imports=dict(imports=['mmlife.seg', 'mmlife.models'])``.
"""
import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from . import models  # noqa: F401
from .datasets import CamVidDataset

__all__ = ['CamVidDataset']
