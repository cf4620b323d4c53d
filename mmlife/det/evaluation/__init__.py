from .box_spread_metric import DetBoxSpreadMetric
from .f1_metric import DetF1Metric, count_tp_fp

__all__ = ['DetBoxSpreadMetric', 'DetF1Metric', 'count_tp_fp']
