"""Attention Roll-Out (Abnar & Zuidema 2020) of a classifier's cls token, as PNG overlays.

    python tools/visualization/attention_rollout.py CONFIG CHECKPOINT IMAGES... --out DIR \
        [--head-fusion mean|max|min] [--discard-ratio 0.9] [--device cpu] [--limit N]

IMAGES are image files and/or folders (searched recursively). For every image it writes
``DIR/<parent>_<stem>_rollout.png``: the image as the network sees it | the roll-out heat map |
the blend, titled with the predicted class.
"""
import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.visualization.cli import attention_rollout_main as main

if __name__ == '__main__':
    main()
