"""``stack_collate``: mmengine's ``default_collate`` with an error that names the odd images.

The small-image classification configs and the DETR train loaders (every image resized to one
size) stack each batch into one tensor in the loader worker (``default_collate``), which needs
every image of a batch to have the same size. An image of another size (a 40×32 file among
CIFAR's 32×32 ones) then fails inside ``torch.stack`` with
"stack expects each tensor to be equal size", naming no file. This collate function checks the
sizes first and raises a ``ValueError`` that names the files whose size differs from the batch's
most common size, and how to fix it.
"""
from collections import Counter
from functools import partial
from typing import Callable, Sequence

from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS

from mmlife.utils.data_check import short_list


def _shape(sample):
    inputs = sample.get('inputs') if isinstance(sample, dict) else None
    return tuple(inputs.shape) if hasattr(inputs, 'shape') else None


def _path(sample):
    data_sample = sample.get('data_samples')
    meta = getattr(data_sample, 'metainfo', {}) if data_sample is not None else {}
    return meta.get('img_path', '<unknown file>')


@FUNCTIONS.register_module()
def stack_collate(data_batch: Sequence) -> dict:
    """``default_collate`` after checking that every ``inputs`` tensor has the same shape."""
    shapes = [_shape(s) for s in data_batch]
    if None not in shapes and len(set(shapes)) > 1:
        common = Counter(shapes).most_common(1)[0][0]
        odd = [f'{_path(s)} {shape}' for s, shape in zip(data_batch, shapes) if shape != common]
        raise ValueError(
            f'images of a batch must have one size to be stacked, but {len(odd)} of '
            f'{len(shapes)} differ from {common} (C, H, W): {short_list(odd)}. Resize or remove '
            'these files, or add a Resize to the pipeline of that split; for images of '
            "different sizes on purpose, collate into lists instead: --cfg-options "
            '<split>_dataloader.collate_fn.type=pseudo_collate.')
    return default_collate(data_batch)


def build_collate(loader_cfg) -> Callable:
    """The collate function of a dataloader config, looked up as mmengine's Runner does
    (``pseudo_collate`` when the config names none; the config's imports must be loaded)."""
    cfg = dict(loader_cfg.get('collate_fn') or dict(type='pseudo_collate'))
    fn = cfg.pop('type')
    return partial(FUNCTIONS.get(fn) if isinstance(fn, str) else fn, **cfg)
