"""The same images through a model without LIFE (top) and with LIFE (bottom): roll-out figures.

    python tools/visualization/compare_rollout.py \
        BASE_CONFIG BASE_CHECKPOINT LIFE_CONFIG LIFE_CHECKPOINT IMAGES... --out DIR \
        [--names "DeiT-T" "DeiT-T + LIFE"] [--head-fusion mean] [--discard-ratio 0.0]

Classification configs (mmpretrain): ``DIR/comparison[_k].png``, one column per image (up to
``--per-figure``): the input, then the roll-out blend of each model with its prediction.
Segmentation / detection configs: ``DIR/<parent>_<stem>_compare.png`` per image, one Dense
Roll-Out row per model (input | prediction | global | per-class maps, aligned by class).
"""
import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization.cli import compare_rollout_main as main

if __name__ == '__main__':
    main()
