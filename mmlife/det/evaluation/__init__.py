from .f1_metric import DetF1Metric, box_iou, match_detections

__all__ = ['DetF1Metric', 'box_iou', 'match_detections']
