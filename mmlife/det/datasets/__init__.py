"""Detection datasets: mmdet's own, with every VOC box validated as it is read."""
from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS

from .voc_check import VOCBoxCheckMixin


@DATASETS.register_module()
class CheckedVOCDataset(VOCBoxCheckMixin, VOCDataset):
    """Stock ``VOCDataset`` whose boxes are validated while parsed (:class:`VOCBoxCheckMixin`):
    a box outside its image is clipped, an inverted, zero-area or fully outside one is dropped,
    each with a counted warning naming the XML files. Class names come from ``metainfo`` in the
    config, as for ``VOCDataset`` (BCCD, Groceries); with a ``data_prefix`` that names no VOC
    year, ``VOCMetric`` takes them from there and uses ``eval_mode='area'``."""


__all__ = ['CheckedVOCDataset', 'VOCBoxCheckMixin']
