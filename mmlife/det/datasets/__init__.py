from .bccd import BCCDDataset

__all__ = ['BCCDDataset']
