"""Fail early, with a useful message, when a dataset folder or a sample is bad."""
import os.path as osp
from typing import Iterable, Sequence


def short_list(items: Sequence[str], limit: int = 5) -> str:
    """``'a, b, c, ... (12 in all)'``: the first ``limit`` items of a list for an error message."""
    more = f', ... ({len(items)} in all)' if len(items) > limit else ''
    return ', '.join(items[:limit]) + more


def _datasets(cfg):
    """Yield the dataset dicts in ``cfg``, looking inside wrappers (Concat, Repeat, ...)."""
    if not isinstance(cfg, dict):
        return
    yield cfg
    yield from _datasets(cfg.get('dataset'))
    for sub in cfg.get('datasets') or []:
        yield from _datasets(sub)


def check_data_roots(cfg, loaders: Iterable[str]) -> None:
    """Raise ``FileNotFoundError`` naming the loader, the folder and the fix when a
    ``data_root`` of the given dataloaders (e.g. ``'train_dataloader'``) does not exist."""
    for name in loaders:
        loader = cfg.get(name)
        if not loader:
            continue
        for ds in _datasets(loader.get('dataset')):
            root = ds.get('data_root')
            if root and not osp.isdir(root):
                raise FileNotFoundError(
                    f'{name}: dataset folder {root!r} (for {ds.get("type")}) does not exist '
                    f'(working directory {osp.abspath(".")!r}). Put the data there (the README '
                    'says how for each dataset) or point the config at it, e.g. '
                    f'--cfg-options {name}.dataset.data_root=PATH')


class SampleError(RuntimeError):
    """A sample's data pipeline failed; the message names the sample's files."""


class NameFilesOnErrorMixin:
    """For an mmengine ``BaseDataset`` subclass: an exception in a sample's pipeline (an empty or
    unreadable image, a bad label map, ...) is re-raised as :class:`SampleError` naming the
    sample's files (its ``*_path`` fields), which mmcv's loaders and OpenCV do not always do.
    Put it first in the bases: ``class MyDataset(NameFilesOnErrorMixin, BaseDataset)``."""

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except Exception as err:
            info = self.get_data_info(idx)
            files = [str(v) for k, v in info.items() if k.endswith('_path') and v]
            if not files or any(f in str(err) for f in files):
                raise
            raise SampleError(f'{", ".join(files)}: {type(err).__name__}: {err}') from err
