"""mmlife's classification datasets, registered into mmpretrain's DATASETS
(:class:`ClassFolderDataset`; classification configs import it through ``custom_imports``), and
dataset preparation for the configs (:mod:`.converters`). Detection and segmentation datasets live
in :mod:`mmlife.det.datasets` and :mod:`mmlife.seg.datasets`."""
from .folder import ClassFolderDataset

__all__ = ['ClassFolderDataset']
