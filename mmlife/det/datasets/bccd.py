"""BCCD (blood cell count and detection), a small Pascal-VOC-layout dataset."""
from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS

from .voc_check import VOCBoxCheckMixin


@DATASETS.register_module()
class BCCDDataset(VOCBoxCheckMixin, VOCDataset):
    """BCCD in the Pascal VOC layout: ``Annotations/*.xml``, ``JPEGImages/*.jpg`` and
    ``ImageSets/Main/{train,val,trainval,test}.txt`` directly under ``data_root``.

    Three classes (RBC, WBC, Platelets), 640 x 480 images. Use
    ``data_prefix=dict(sub_data_root='')`` so that paths are joined with ``data_root``.
    ``dataset_type`` is None (not VOC2007/2012), so ``VOCMetric`` names classes itself and
    should use ``eval_mode='area'``. Boxes are validated as they are read
    (:class:`VOCBoxCheckMixin`): clipped to the image, or dropped if inverted or empty.
    """

    METAINFO = {
        'classes': ('RBC', 'WBC', 'Platelets'),
        'palette': [(220, 20, 60), (0, 0, 230), (0, 182, 199)],
    }
