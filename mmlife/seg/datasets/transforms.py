"""A pipeline check for segmentation label maps, right after ``LoadAnnotations``."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckSegLabels(BaseTransform):
    """Fail, naming the file, on a label map that would give a wrong loss or mIoU.

    Put it right after ``LoadAnnotations`` (before any resize or crop of the labels). It checks
    that the label map is single-channel (not a colour-coded RGB image), has the size of its image
    as loaded (``ori_shape``), and holds only
    class ids ``0 .. num_classes - 1`` or ``ignore_index`` (after the dataset's ``label_map``,
    e.g. CamVid's void 11 -> 255).

    Args:
        num_classes (int): the number of classes.
        ignore_index (int): the id that is ignored. Defaults to 255.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        seg = results['gt_seg_map']
        path = results.get('seg_map_path', '<label map>')
        if seg.ndim != 2:
            raise ValueError(
                f'{path}: the label map has shape {seg.shape}, i.e. {seg.shape[-1]} channels; '
                'labels must be a single-channel image of class ids (convert colour-coded labels '
                'to ids first)')
        # the image as loaded (a test pipeline may resize it before loading the labels)
        shape = results.get('ori_shape') or (results['img'].shape[:2] if 'img' in results
                                             else None)
        if shape is not None and tuple(shape[:2]) != seg.shape:
            raise ValueError(
                f'{path}: the label map is {seg.shape[1]}x{seg.shape[0]} (WxH) but its image '
                f'{results.get("img_path")} is {shape[1]}x{shape[0]}; they must have the '
                'same size (is one of them resized?)')
        ids = np.unique(seg)
        bad = ids[(ids >= self.num_classes) & (ids != self.ignore_index)]
        if bad.size:
            raise ValueError(
                f'{path}: label ids {bad.tolist()} are outside 0-{self.num_classes - 1} (the '
                f'{self.num_classes} classes; {self.ignore_index} is ignored). Fix the labels, '
                "or map those ids in the dataset's label_map.")
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
