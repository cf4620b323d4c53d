"""CamVid in the SegNet layout (11 classes + void), which mmseg 1.x does not ship."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmlife.utils.data_check import NameFilesOnErrorMixin


@DATASETS.register_module()
class CamVidDataset(NameFilesOnErrorMixin, BaseSegDataset):
    """CamVid road scenes, 11 classes, in the SegNet layout::

        data/CamVid/
            train/*.jpg   trainannot/*.png
            val/*.jpg     valannot/*.png
            test/*.jpg    testannot/*.png

    Labels are single-channel PNGs with ids 0-10 in the order of ``METAINFO['classes']`` and
    ``void_id`` (11) for unlabelled pixels. ``void_id`` is mapped to ``ignore_index`` (255) when the
    labels are loaded (through ``label_map``, the mechanism mmseg uses to remap label ids), so the
    losses, ``RandomCrop(cat_max_ratio=...)`` and ``IoUMetric`` all ignore it with their defaults.
    The images are 480x360. The configs check every label map with
    :class:`~mmlife.seg.datasets.CheckSegLabels` after loading it; a sample that fails to load
    raises an error naming its image and label files.

    Args:
        img_suffix (str): Defaults to '.jpg'.
        seg_map_suffix (str): Defaults to '.png'.
        **kwargs: as :class:`mmseg.datasets.BaseSegDataset`, e.g.
            ``data_prefix=dict(img_path='train', seg_map_path='trainannot')``.
    """
    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'sign_symbol', 'fence',
                 'car', 'pedestrian', 'bicyclist'),
        # the colours of the original CamVid labels
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    void_id = 11

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes=None) -> dict:
        """mmseg's class-subset mapping (if ``metainfo`` picks classes), plus ``void_id -> 255``."""
        label_map = super().get_label_map(new_classes) or {}
        label_map[cls.void_id] = 255
        return label_map
