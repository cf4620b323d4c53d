"""Dense Attention Roll-Out of a segmentor (mmseg) or DETR detector (mmdet), paper layout.

    python tools/visualization/dense_rollout.py CONFIG CHECKPOINT IMAGES... --out DIR \
        [--score-thr 0.5] [--max-classes 6] [--head-fusion mean] [--discard-ratio 0.0]

For every image it writes ``DIR/<parent>_<stem>_dense.png``: input | prediction | global
attention (mean roll-out over all tokens) | one class-specific map per predicted class (largest
area / highest score first), the class name above it. Segmentors that slide a window are run on
the whole image (one forward), so the prediction shown is the one the attention explains.
"""
import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization.cli import dense_rollout_main as main

if __name__ == '__main__':
    main()
