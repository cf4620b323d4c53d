"""mmlife for mmdet: DETR with a selectable Q/K/V projection (none, Linear, LIFE), Conditional
DETR with the same encoder (``LIFEConditionalDETR``), a detection
F1 metric, a box-spread (query-collapse) metric, ``BatchedMatchDETRHead`` (``DETRHead`` with the
Hungarian matching and the losses of all decoder layers batched; ``BatchedMatchConditionalDETRHead``
the same for Conditional DETR) and ``CheckedVOCDataset`` (stock
``VOCDataset`` with validated boxes), registered into mmdet's registries. BCCD and Groceries are
``CheckedVOCDataset`` with their class names in ``metainfo``
(``configs/detection/_base_/datasets/``).

Detection configs import it with ``custom_imports=dict(imports=['mmlife.det', 'mmlife.models'])``
(``mmlife.models`` registers the mmpretrain backbones ``mmpretrain.LIFEVisionTransformer``).
"""
import mmlife.models  # noqa: F401  (the DeiT / DeiT-LIFE backbones, in mmpretrain's registry)

from . import datasets, evaluation, models  # noqa: F401
from .datasets import CheckedVOCDataset
from .evaluation import DetBoxSpreadMetric, DetF1Metric
from .models import (BatchedMatchConditionalDETRHead, BatchedMatchDETRHead, LIFEConditionalDETR,
                     LIFEDETR, LIFEMultiheadAttention)

__all__ = ['BatchedMatchConditionalDETRHead', 'BatchedMatchDETRHead', 'CheckedVOCDataset',
           'DetBoxSpreadMetric', 'DetF1Metric', 'LIFEConditionalDETR', 'LIFEDETR',
           'LIFEMultiheadAttention']
