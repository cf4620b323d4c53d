"""mmlife for mmdet: DETR with a selectable Q/K/V projection (none, Linear, LIFE), the BCCD
dataset, a detection F1 metric and a box-spread (query-collapse) metric, registered into mmdet's
registries.

Detection configs import it with ``custom_imports=dict(imports=['mmlife.det', 'mmlife.models'])``
(``mmlife.models`` registers the mmpretrain backbones ``mmpretrain.LIFEVisionTransformer``).
"""
import mmlife.models  # noqa: F401  (the DeiT / DeiT-LIFE backbones, in mmpretrain's registry)

from . import datasets, evaluation, models  # noqa: F401
from .datasets import BCCDDataset
from .evaluation import DetBoxSpreadMetric, DetF1Metric
from .models import LIFEDETR, LIFEMultiheadAttention

__all__ = ['BCCDDataset', 'DetBoxSpreadMetric', 'DetF1Metric', 'LIFEDETR', 'LIFEMultiheadAttention']
