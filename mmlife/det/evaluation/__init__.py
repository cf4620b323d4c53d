from .box_spread_metric import DetBoxSpreadMetric
from .f1_metric import DetF1Metric, box_iou, match_detections

__all__ = ['DetBoxSpreadMetric', 'DetF1Metric', 'box_iou', 'match_detections']
