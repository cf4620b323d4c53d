"""mmlife's classification datasets: :class:`ClassFolderDataset` (in mmpretrain's DATASETS) and
:func:`stack_collate` (in mmengine's FUNCTIONS, also the DETR train loaders' collate), which the
configs import through ``custom_imports``, and dataset preparation for the configs
(:mod:`.converters`). Detection and segmentation datasets live in :mod:`mmlife.det.datasets`
and :mod:`mmlife.seg.datasets`."""
from .collate import build_collate, stack_collate
from .folder import ClassFolderDataset

__all__ = ['ClassFolderDataset', 'build_collate', 'stack_collate']
