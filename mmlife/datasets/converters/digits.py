"""scikit-learn's bundled digits (1,797 real 8x8 scans, 10 classes) -> a CIFAR-like image folder.

    python tools/dataset_converters/digits.py data/digits [--size 32] [--test-ratio 0.2]

writes ``data/digits/{train,test}/<digit>/<nnnn>.png``: 32x32 RGB (bicubic upsampling of the
16-level scans), a stratified split with a fixed seed. Nothing is downloaded: the data ships with
scikit-learn.
"""
import os
import os.path as osp

import cv2
import numpy as np


def convert_digits(out_dir: str, size: int = 32, test_ratio: float = 0.2, seed: int = 0) -> dict:
    """Write the digits dataset as an image folder; returns the number of images per split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0 * 255.0).astype(np.float32)  # (1797, 8, 8), 0..255
    idx_train, idx_test = train_test_split(
        np.arange(len(images)), test_size=test_ratio, random_state=seed, stratify=digits.target)
    counts = {}
    for split, indices in (('train', idx_train), ('test', idx_test)):
        for i in sorted(indices):
            img = cv2.resize(images[i], (size, size), interpolation=cv2.INTER_CUBIC)
            img = np.clip(img, 0, 255).astype(np.uint8)
            folder = osp.join(out_dir, split, str(digits.target[i]))
            os.makedirs(folder, exist_ok=True)
            cv2.imwrite(osp.join(folder, f'{i:04d}.png'), cv2.merge([img, img, img]))
        counts[split] = len(indices)
    return counts
