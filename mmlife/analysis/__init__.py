"""Analysis code behind the one-job scripts in ``tools/analysis_tools``: model complexity
(:mod:`.complexity`), summaries of training / test logs (:mod:`.logs`), speed benchmarks of
LIFE (:mod:`.benchmark`), the DETR step profiler (:mod:`.det_step_profile`), the check that a
detector can fit a few images (:mod:`.det_overfit`) and the token spread of a DETR stage by stage
(:mod:`.det_feature_spread`).

Submodules are imported on use (``from mmlife.analysis.complexity import complexity``), so that
importing this package pulls in neither mmdet, mmseg nor matplotlib.
"""
