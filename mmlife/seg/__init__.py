"""mmlife for mmsegmentation: the linear segmentation head and the CamVid dataset.

Importing this package registers :class:`LinearUpsampleHead` into mmseg's MODELS,
:class:`CamVidDataset` into mmseg's DATASETS, and mmlife's ViT backbones into mmpretrain's MODELS
(used from mmseg configs as ``type='mmpretrain.LIFEVisionTransformer'``). Segmentation configs
import it with ``custom_imports=dict(imports=['mmlife.seg', 'mmlife.models'])``.
"""
import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from .datasets import CamVidDataset
from .models import LinearUpsampleHead

__all__ = ['CamVidDataset', 'LinearUpsampleHead']
