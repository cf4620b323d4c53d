"""Helpers of the segmentation tests: config paths, a fabricated CamVid, running the tools.

Not a conftest.py: tests/conftest.py is imported as `conftest` by other test folders, and a
second conftest.py would take its place in sys.modules.
"""
import glob
import os
import os.path as osp
import subprocess
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/segmentation/linear/*.py')))
CAMVID_LIFE = osp.join(REPO, 'configs/segmentation/linear/'
                       'linear_deit-tiny-life_1xb8-10k_camvid-352x480.py')


def make_camvid(root, splits=(('train', 4), ('val', 2), ('test', 2)), size=(360, 480), seed=0):
    """Write random JPEGs and label PNGs (ids 0-11, 11 = void) in CamVid's SegNet layout."""
    import cv2
    rng = np.random.default_rng(seed)
    h, w = size
    for split, n in splits:
        os.makedirs(osp.join(root, split), exist_ok=True)
        os.makedirs(osp.join(root, split + 'annot'), exist_ok=True)
        for i in range(n):
            name = f'0001TP_{i:06d}'
            # blocky labels, so that random crops keep several classes (cat_max_ratio)
            label = rng.integers(0, 12, (-(-h // 40), -(-w // 40)), dtype=np.uint8)
            label[0, 0], label[-1, -1] = 11, i % 11  # some void and some class in every image
            label = np.kron(label, np.ones((40, 40), np.uint8))[:h, :w]
            img = (label[..., None] * 20 + rng.integers(0, 30, (h, w, 3))).astype(np.uint8)
            cv2.imwrite(osp.join(root, split, name + '.jpg'), img)
            cv2.imwrite(osp.join(root, split + 'annot', name + '.png'), label)
    return str(root)


def run_tool(args, timeout=600):
    """Run ``python <args>`` from the repo root; fail with its output; return stdout + stderr."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    env['PYTHONPATH'] = os.pathsep.join([REPO, env.get('PYTHONPATH', '')])
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, args))} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr
