"""mmlife's classification datasets, registered into mmpretrain's DATASETS.

Classification configs import it through ``custom_imports`` (``mmlife.datasets``).
"""
from .folder import ClassFolderDataset

__all__ = ['ClassFolderDataset']
