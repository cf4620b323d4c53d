from .bccd import BCCDDataset
from .voc_check import VOCBoxCheckMixin

__all__ = ['BCCDDataset', 'VOCBoxCheckMixin']
