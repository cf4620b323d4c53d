"""mmlife for mmdet: DETR with a selectable Q/K/V projection (none, Linear, LIFE), a detection
F1 metric and a box-spread (query-collapse) metric, registered into mmdet's registries. BCCD is
stock ``VOCDataset`` with its class names in ``metainfo``
(``configs/detection/_base_/datasets/bccd_512x512.py``).

Detection configs import it with ``custom_imports=dict(imports=['mmlife.det', 'mmlife.models'])``
(``mmlife.models`` registers the mmpretrain backbones ``mmpretrain.LIFEVisionTransformer``).
"""
import mmlife.models  # noqa: F401  (the DeiT / DeiT-LIFE backbones, in mmpretrain's registry)

from . import evaluation, models  # noqa: F401
from .evaluation import DetBoxSpreadMetric, DetF1Metric
from .models import LIFEDETR, LIFEMultiheadAttention

__all__ = ['DetBoxSpreadMetric', 'DetF1Metric', 'LIFEDETR', 'LIFEMultiheadAttention']
