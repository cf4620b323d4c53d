"""Official CIFAR-100 python pickles -> image folder ``OUT/{train,test}/<fine class>/<nnnnn>.png``.

    python tools/dataset_converters/cifar100.py path/to/cifar-100-python data/cifar100

The layout of the mmlife CIFAR-100 configs (``configs/classification/_base_/datasets/
cifar100_bs64_folder.py``): one folder per fine label (100 classes, sorted names = label order of
the pickles' ``fine_label_names``), lossless PNG.
"""
import os
import os.path as osp
import pickle

import cv2
import numpy as np

SPLITS = ('train', 'test')


def _load(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: pass the extracted cifar-100-python folder '
                                '(with meta, train and test)')
    with open(path, 'rb') as f:
        return pickle.load(f, encoding='bytes')


def convert_cifar100(src: str, out_dir: str) -> dict:
    """Convert the pickles in ``src`` (``cifar-100-python``); returns images written per split."""
    classes = [c.decode() for c in _load(osp.join(src, 'meta'))[b'fine_label_names']]
    counts = {}
    for split in SPLITS:
        batch = _load(osp.join(src, split))
        data, labels = batch[b'data'], batch[b'fine_labels']
        if len(data) != len(labels):
            raise ValueError(f'{split}: {len(data)} images but {len(labels)} labels')
        images = np.asarray(data, dtype=np.uint8).reshape(-1, 3, 32, 32)
        for folder in {classes[label] for label in labels}:
            os.makedirs(osp.join(out_dir, split, folder), exist_ok=True)
        for n, (img, label) in enumerate(zip(images, labels)):
            # CHW RGB -> HWC BGR for OpenCV
            path = osp.join(out_dir, split, classes[label], f'{n:05d}.png')
            cv2.imwrite(path, np.ascontiguousarray(img.transpose(1, 2, 0)[..., ::-1]))
        counts[split] = len(images)
    return counts
