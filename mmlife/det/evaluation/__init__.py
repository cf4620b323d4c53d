from .box_spread_metric import DetBoxSpreadMetric, count_distinct_boxes
from .f1_metric import DetF1Metric, count_tp_fp

__all__ = ['DetBoxSpreadMetric', 'count_distinct_boxes', 'DetF1Metric', 'count_tp_fp']
