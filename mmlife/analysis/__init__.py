"""Analysis code behind the one-job scripts in ``tools/analysis_tools``: model complexity
(:mod:`.complexity`), summaries of training / test logs (:mod:`.logs`) and speed benchmarks of
LIFE (:mod:`.benchmark`).

Submodules are imported on use (``from mmlife.analysis.complexity import complexity``), so that
importing this package pulls in neither mmdet, mmseg nor matplotlib.
"""
