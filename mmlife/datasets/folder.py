"""Image-folder classification datasets whose labels cannot shift when a split lacks a class.

mmpretrain's ``CustomDataset`` numbers the sub-folders of *each split* in sorted order. A test
split that misses one class folder (or has one extra) is then labelled with shifted class ids and
still gives a metric. :class:`ClassFolderDataset` takes the class list from the config
(``classes=`` / ``metainfo``) or from another split's folders (``classes_from='train'``), labels
every image by the *name* of its folder, and fails, naming the folders, when a split's folders
differ from the classes.
"""
import os.path as osp
from typing import Optional

from mmengine.fileio import join_path
from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset
from mmpretrain.datasets.custom import find_folders, get_samples
from mmpretrain.registry import DATASETS

from mmlife.utils.data_check import NameFilesOnErrorMixin, short_list


def _names(items, limit: int = 10) -> str:
    return short_list(sorted(items), limit)


@DATASETS.register_module()
class ClassFolderDataset(NameFilesOnErrorMixin, CustomDataset):
    """``CustomDataset`` (folder layout ``<split>/<class>/<image>``) with a fixed class list.

    The classes, in label order, are, by priority:

    1. ``classes=`` (or ``metainfo=dict(classes=...)``) of the config, a list or a text file;
    2. the sorted sub-folders of ``classes_from``, a folder relative to ``data_root`` (e.g. the
       train split, ``classes_from='train'``, for a val or test split);
    3. this split's own sorted sub-folders (what ``CustomDataset`` does), for a train split.

    Each image gets the index of its folder's name in that list. A folder that is not a class is
    an error; a class without a folder is an error too unless ``allow_missing_classes=True``
    (then a warning). Both name the folders. With an ``ann_file`` the labels are read from it
    and must lie in ``0 .. len(classes) - 1``. A sample whose loading fails (e.g. an empty image
    file) raises an error naming its file.

    Args:
        classes_from (str, optional): folder, relative to ``data_root``, whose sub-folders name
            the classes when the config gives none. Defaults to None.
        allow_missing_classes (bool): warn instead of failing when classes have no folder in
            this split. Defaults to False.
        **kwargs: as :class:`mmpretrain.datasets.CustomDataset`.
    """

    def __init__(self, *args, classes_from: Optional[str] = None,
                 allow_missing_classes: bool = False, **kwargs):
        self.classes_from = classes_from
        self.allow_missing_classes = allow_missing_classes
        super().__init__(*args, **kwargs)

    def _reference_classes(self):
        if self.CLASSES is not None:
            return list(self.CLASSES), 'the classes of the config'
        if self.classes_from is not None:
            root = join_path(self.data_root, self.classes_from) if self.data_root else \
                self.classes_from
            if not osp.isdir(root):
                raise FileNotFoundError(
                    f'classes_from={self.classes_from!r}: folder {root!r} does not exist; it '
                    'should be the split (e.g. train) whose sub-folders name the classes')
            return find_folders(root)[0], f'the folders of {root!r}'
        return None, None

    def _find_samples(self):
        folders, _ = find_folders(self.img_prefix)
        classes, source = self._reference_classes()
        if classes is None:
            classes = folders
        missing = sorted(set(classes) - set(folders))
        extra = sorted(set(folders) - set(classes))
        where = f'{self.img_prefix!r}'
        if extra:
            raise ValueError(
                f'{where} has folders that are not classes: {_names(extra)} (classes: '
                f'{source}, {len(classes)} of them). Images in them cannot be labelled. Remove '
                'the folders, or fix the class list (`classes=` of the dataset in the config).')
        if missing:
            msg = (f'{where} has no folder for {len(missing)} of the {len(classes)} classes: '
                   f'{_names(missing)} (classes: {source}).')
            if not self.allow_missing_classes:
                raise ValueError(
                    msg + ' Labels follow the class list, so they stay correct, but a split '
                    'without some classes is usually a mistake. Set allow_missing_classes=True on '
                    'the dataset to accept it.')
            MMLogger.get_current_instance().warning(msg)
        folder_to_idx = {name: classes.index(name) for name in folders}
        samples, empty = get_samples(self.img_prefix, folder_to_idx,
                                     is_valid_file=self.is_valid_file)
        if not samples:
            raise RuntimeError(f'Found 0 files in the sub-folders of {where}; supported '
                               f'extensions: {", ".join(self.extensions)}')
        if empty:
            MMLogger.get_current_instance().warning(
                f'{where}: no image in the folders {_names(list(empty))} (supported extensions: '
                f'{", ".join(self.extensions)})')
        self._metainfo['classes'] = tuple(classes)
        self.folder_to_idx = folder_to_idx
        return samples

    def load_data_list(self):
        data_list = super().load_data_list()
        if self.ann_file and self.CLASSES is not None:
            n = len(self.CLASSES)
            bad = [f'{d["img_path"]} ({d["gt_label"]})' for d in data_list
                   if not 0 <= d['gt_label'] < n]
            if bad:
                raise ValueError(
                    f'{self.ann_file}: {len(bad)} label ids are outside 0-{n - 1} (the {n} '
                    f'classes): {_names(bad, 5)}. Fix the annotation file or the classes.')
        return data_list
