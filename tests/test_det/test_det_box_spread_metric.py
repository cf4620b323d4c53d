"""DetBoxSpreadMetric on hand-made boxes: collapsed, distinct and nearly equal predictions."""
import logging

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger

from det_helpers import single_thread  # noqa: F401
from mmlife.det.evaluation import DetBoxSpreadMetric

pytestmark = pytest.mark.usefixtures('single_thread')


def sample(boxes, ori_shape=(100, 200)):
    """An mmdet-style data sample of predicted ``x1, y1, x2, y2`` boxes; ori_shape is (h, w)."""
    return dict(ori_shape=ori_shape, pred_instances=dict(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)))


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def evaluate(samples, warnings=None, **kwargs):
    """The metric's output; the warnings it logs through MMLogger go to ``warnings``."""
    metric = DetBoxSpreadMetric(**kwargs)
    metric.process({}, samples)
    logger, records = MMLogger.get_current_instance(), _Records()
    logger.addHandler(records)
    try:
        return metric.compute_metrics(metric.results)
    finally:
        logger.removeHandler(records)
        if warnings is not None:
            warnings.extend(records.messages)


def test_collapsed_queries_give_one_box_no_spread_and_a_warning():
    box = [10., 20., 50., 60.]
    # 100 copies, jittered well below the 1-pixel tolerance
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, (100, 4))
    warnings = []
    out = evaluate([sample((np.array(box) + jitter).tolist())], warnings)
    assert out['distinct'] == 1
    assert out['std'] < 0.3 / 100  # jitter over an image >= 100 px
    assert len(warnings) == 1 and 'collapsed' in warnings[0]


def test_distinct_boxes_and_std_by_hand():
    # image 200 wide, 100 high; two boxes: normalised (cx, cy, w, h) = (0.1, 0.2, 0.1, 0.2) and
    # (0.3, 0.6, 0.1, 0.2); std over the two (population) = (0.1, 0.2, 0, 0) -> mean 0.075
    boxes = [[10., 10., 30., 30.], [50., 50., 70., 70.]]
    warnings = []
    out = evaluate([sample(boxes)], warnings)
    assert out['distinct'] == 2 and warnings == []
    assert out['std'] == pytest.approx(0.075)
    # two images average: 2 distinct + 3 distinct -> 2.5
    out = evaluate([sample(boxes), sample(boxes + [[0., 0., 5., 5.]])])
    assert out['distinct'] == pytest.approx(2.5)


def test_tolerance_is_in_pixels_on_every_corner():
    a = [10., 10., 30., 30.]
    assert evaluate([sample([a, [10.5, 10., 30., 30.5]])])['distinct'] == 1
    assert evaluate([sample([a, [10., 10., 30., 31.5]])])['distinct'] == 2  # one corner 1.5 px off
    assert evaluate([sample([a, [10., 10., 30., 31.5]])], tol_px=2)['distinct'] == 1


def test_images_without_boxes_are_skipped_and_bad_args_rejected():
    out = evaluate([sample([]), sample([[0., 0., 10., 10.], [20., 20., 40., 40.]])])
    assert out['distinct'] == 2
    with pytest.raises(ValueError, match='tol_px'):
        DetBoxSpreadMetric(tol_px=0)
