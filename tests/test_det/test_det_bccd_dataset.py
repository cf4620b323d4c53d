"""BCCD is mmdet's ``VOCDataset`` (with box validation: ``CheckedVOCDataset``) configured with
BCCD's class names: on a fabricated BCCD (valid boxes) it loads exactly what the former
``BCCDDataset`` (a VOCDataset subclass that only set
``METAINFO``, rebuilt here as the reference) loaded."""
import copy

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from det_helpers import BCCD, config_path, make_voc_layout

CLASSES = ('RBC', 'WBC', 'Platelets')
PALETTE = [(220, 20, 60), (0, 0, 230), (0, 182, 199)]


def former_bccd_dataset():
    from mmdet.datasets import VOCDataset

    class BCCDDataset(VOCDataset):  # the removed class, verbatim apart from the registration
        METAINFO = {'classes': CLASSES, 'palette': PALETTE}

    return BCCDDataset


@pytest.fixture(scope='module')
def bccd_root(tmp_path_factory):
    return make_voc_layout(str(tmp_path_factory.mktemp('bccd') / 'BCCD'), classes=CLASSES) + '/'


@pytest.mark.parametrize('split', ['train', 'val', 'test'])
def test_config_dataset_equals_the_former_class(bccd_root, split):
    init_default_scope('mmdet')
    from mmdet.registry import DATASETS
    cfg = Config.fromfile(config_path('deit-tiny', 'encdec', BCCD))
    ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
    assert ds_cfg.type == 'CheckedVOCDataset'
    import mmlife.det  # noqa: F401  (registers it)
    ds_cfg.update(data_root=bccd_root, pipeline=[])
    dataset = DATASETS.build(ds_cfg)
    ref_cfg = {k: v for k, v in ds_cfg.items() if k not in ('type', 'metainfo')}
    reference = former_bccd_dataset()(**ref_cfg)
    assert dataset.metainfo['classes'] == reference.metainfo['classes'] == CLASSES
    assert list(map(tuple, dataset.metainfo['palette'])) == PALETTE
    assert dataset.metainfo['dataset_type'] is None  # no VOC year: VOCMetric uses the classes
    assert len(dataset) == len(reference) > 0
    assert [dataset.get_data_info(i) for i in range(len(dataset))] == \
        [reference.get_data_info(i) for i in range(len(reference))]
    labels = {inst['bbox_label'] for i in range(len(dataset))
              for inst in dataset.get_data_info(i)['instances']}
    assert labels == {0, 1, 2}
