"""Official CIFAR-10 python pickles -> image folder ``OUT/{train,test}/<class>/<nnnnn>.png``.

    python tools/dataset_converters/cifar10.py path/to/cifar-10-batches-py data/cifar10

The result has the layout of the mmlife CIFAR-10 configs (``configs/classification/_base_/
datasets/cifar10_bs64_folder.py``), as lossless PNG.
"""
import os
import os.path as osp
import pickle

import cv2
import numpy as np

TRAIN_BATCHES = [f'data_batch_{i}' for i in range(1, 6)]
TEST_BATCHES = ['test_batch']


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f, encoding='bytes')


def convert_cifar10(src: str, out_dir: str) -> dict:
    """Convert the pickles in ``src`` (``cifar-10-batches-py``); returns images written per
    split."""
    meta_path = osp.join(src, 'batches.meta')
    if not osp.isfile(meta_path):
        raise FileNotFoundError(f'{meta_path} not found: pass the cifar-10-batches-py folder')
    classes = [c.decode() for c in _load(meta_path)[b'label_names']]
    counts = {}
    for split, batches in (('train', TRAIN_BATCHES), ('test', TEST_BATCHES)):
        n = 0
        for name in batches:
            batch = _load(osp.join(src, name))
            images = np.asarray(batch[b'data'], dtype=np.uint8).reshape(-1, 3, 32, 32)
            for img, label in zip(images, batch[b'labels']):
                folder = osp.join(out_dir, split, classes[label])
                os.makedirs(folder, exist_ok=True)
                # CHW RGB -> HWC BGR for OpenCV
                cv2.imwrite(osp.join(folder, f'{n:05d}.png'),
                            np.ascontiguousarray(img.transpose(1, 2, 0)[..., ::-1]))
                n += 1
        counts[split] = n
    return counts
