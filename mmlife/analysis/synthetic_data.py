"""A classification dataset of random images held in memory, for timing training loops.

Registered in mmpretrain's ``DATASETS`` as ``SyntheticImageDataset``; a config uses it in place
of a real dataset (``custom_imports`` must import ``mmlife.analysis.synthetic_data``). The
images are fixed by ``seed`` and never touch the disk, so the loader measures the pipeline
(augmentation, collation) but no file reading or decoding.
"""
import numpy as np
from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class SyntheticImageDataset(BaseDataset):
    """``num_samples`` random ``img_size x img_size`` uint8 BGR images with random labels.

    Args:
        num_samples (int): dataset length.
        img_size (int): height and width of every image.
        num_classes (int): labels are drawn from ``range(num_classes)``.
        num_distinct (int): distinct images generated (index ``i`` shows image
            ``i % num_distinct``), to keep memory small for long runs. Defaults to 256.
        seed (int): random seed. Defaults to 0.
        pipeline (list): the data pipeline (without ``LoadImageFromFile``: the images are
            already in memory).
    """

    def __init__(self, num_samples: int, img_size: int, num_classes: int,
                 num_distinct: int = 256, seed: int = 0, pipeline=(), **kwargs):
        for name, v in (('num_samples', num_samples), ('img_size', img_size),
                        ('num_classes', num_classes), ('num_distinct', num_distinct)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f'{name} must be a positive int, got {v!r}')
        self.num_samples, self.img_size, self.num_classes = num_samples, img_size, num_classes
        rng = np.random.default_rng(seed)
        n = min(num_distinct, num_samples)
        self._images = rng.integers(0, 256, (n, img_size, img_size, 3), dtype=np.uint8)
        self._labels = rng.integers(0, num_classes, num_samples)
        kwargs.setdefault('metainfo', dict(classes=[str(i) for i in range(num_classes)]))
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False,
                         **kwargs)

    def load_data_list(self):
        return [dict(sample_idx=i, gt_label=int(self._labels[i]))
                for i in range(self.num_samples)]

    def get_data_info(self, idx: int) -> dict:
        info = dict(super().get_data_info(idx))
        img = self._images[idx % len(self._images)].copy()
        info.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return info
