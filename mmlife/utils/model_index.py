"""mmlife's model zoo (``model-index.yml``) for ``mim`` and mmpretrain's model hub.

An installed mmlife carries its configs and ``model-index.yml`` in ``mmlife/.mim`` (see
``setup.py``), as OpenMMLab packages do; a source checkout has them at its root.
:func:`register_classification_models` adds the classification models to mmpretrain's
``ModelHub``, so that ``mmpretrain.list_models('*life*')``, ``get_model`` and the Inferencers
know them by name. ``import mmlife.models`` calls it.
"""
import os
import os.path as osp
from glob import glob
from typing import List, Optional

PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))

_registered: List[str] = []


def model_zoo_root() -> Optional[str]:
    """The folder holding ``model-index.yml`` and ``configs/``: ``mmlife/.mim`` of an installed
    package, else the root of a source checkout; None when neither has them."""
    for root in (osp.join(PACKAGE, '.mim'), osp.dirname(PACKAGE)):
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    return None


def _mmpretrain_config_names() -> set:
    """The file names (without ``.py``) of mmpretrain's own configs, which name its models."""
    import mmpretrain
    root = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs')
    return {osp.splitext(f)[0] for _, _, files in os.walk(root, followlinks=True) for f in files}


def register_classification_models() -> List[str]:
    """Register the models of ``configs/classification/*/metafile.yml`` in mmpretrain's
    ``ModelHub`` (once) and return their names.

    mmpretrain registers its own models lazily, on the first look-up, and refuses a name that is
    taken; so a model whose name is one of mmpretrain's configs is left to mmpretrain (mmlife's
    ``resnet{18,50}_8xb32_in1k`` are the stock ImageNet-1k ResNets). Config paths are made
    absolute, as ``ModelHub.register_model_index`` does.
    """
    if _registered:
        return list(_registered)
    root = model_zoo_root()
    if root is None:
        return []
    from mmpretrain.apis import ModelHub
    from modelindex.load_model_index import load

    taken = _mmpretrain_config_names()
    for metafile in sorted(glob(osp.join(root, 'configs', 'classification', '*',
                                         'metafile.yml'))):
        index = load(metafile)
        index.build_models_with_collections()
        for model in index.models:
            name = model.name.lower()
            if name in taken or ModelHub.has(name):
                continue
            model.config = osp.join(root, model.config)
            ModelHub._models_dict[name] = model
            _registered.append(name)
    return list(_registered)
