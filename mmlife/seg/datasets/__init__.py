from .camvid import CamVidDataset
from .transforms import CheckSegLabels

__all__ = ['CamVidDataset', 'CheckSegLabels']
