"""ClassFolderDataset: classes from the config or the train split, labels by folder name, and a
split whose folders differ from the classes is an error naming them."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO, make_image_folder
from mmlife.datasets import ClassFolderDataset
from mmlife.utils.data_check import SampleError

BASES = osp.join(REPO, 'configs', 'classification', '_base_', 'datasets')
CIFAR10 = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship',
           'truck')


def build(base, data_root, split='val_dataloader', **kwargs):
    """The dataset of a base config's loader, as the runner builds it (by registry name)."""
    init_default_scope('mmpretrain')
    import mmlife.datasets  # noqa: F401
    from mmpretrain.registry import DATASETS
    ds_cfg = Config.fromfile(osp.join(BASES, base))[split].dataset.copy()
    ds_cfg.update(data_root=str(data_root), pipeline=[], **kwargs)
    return DATASETS.build(ds_cfg)


@pytest.fixture(scope='module')
def cifar_missing_cat(tmp_path_factory):
    """CIFAR-10 names; the test split has no 'cat' folder."""
    root = tmp_path_factory.mktemp('c10')
    make_image_folder(root, classes=CIFAR10, per_class=1, size=8, splits=('train', ))
    make_image_folder(root, classes=[c for c in CIFAR10 if c != 'cat'], per_class=1, size=8,
                      splits=('test', ))
    return root


def test_test_split_missing_a_class_fails_naming_it(cifar_missing_cat):
    with pytest.raises(ValueError, match=r"has no folder for 1 of the 10 classes: cat.*"
                       'allow_missing_classes=True'):
        build('cifar10_bs64_folder.py', cifar_missing_cat)


def test_labels_follow_class_names_not_folder_positions(cifar_missing_cat):
    ds = build('cifar10_bs64_folder.py', cifar_missing_cat, allow_missing_classes=True)
    assert ds.CLASSES == CIFAR10 and len(ds) == 9
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        folder = osp.basename(osp.dirname(info['img_path']))
        assert CIFAR10[info['gt_label']] == folder  # CustomDataset shifted every label after cat
    train = build('cifar10_bs64_folder.py', cifar_missing_cat, split='train_dataloader')
    assert len(train) == 10 and train.CLASSES == CIFAR10


def test_extra_folder_is_an_error(tmp_path):
    make_image_folder(tmp_path, classes=CIFAR10 + ('cats',), per_class=1, size=8,
                      splits=('test', ))
    with pytest.raises(ValueError, match='folders that are not classes: cats'):
        build('cifar10_bs64_folder.py', tmp_path)


def test_val_classes_come_from_the_train_split(tmp_path):
    wnids = ('n01', 'n02', 'n03')
    make_image_folder(tmp_path, classes=wnids, per_class=1, size=8, splits=('train', ))
    make_image_folder(tmp_path, classes=('n01', 'n03'), per_class=1, size=8, splits=('val', ))
    with pytest.raises(ValueError, match="no folder for 1 of the 3 classes: n02 .*folders of"):
        build('tinyimagenet_bs64_folder.py', tmp_path)
    ds = build('tinyimagenet_bs64_folder.py', tmp_path, allow_missing_classes=True)
    assert ds.CLASSES == wnids
    assert sorted(ds.get_data_info(i)['gt_label'] for i in range(len(ds))) == [0, 2]
    with pytest.raises(FileNotFoundError, match='classes_from'):
        build('tinyimagenet_bs64_folder.py', tmp_path, classes_from='nope')


def test_every_folder_base_uses_it_with_classes():
    for base in ('cifar10_bs64_folder.py', 'cifar100_bs64_folder.py', 'digits_bs32_folder.py'):
        cfg = Config.fromfile(osp.join(BASES, base))
        for loader in (cfg.train_dataloader, cfg.val_dataloader):
            assert loader.dataset.type == 'ClassFolderDataset'
            assert len(loader.dataset.classes) == cfg.num_classes
    for base in ('tinyimagenet_bs64_folder.py', 'imagenet100_bs64_224.py',
                 'imagenet100_bs64_256.py'):
        cfg = Config.fromfile(osp.join(BASES, base))
        assert cfg.val_dataloader.dataset.classes_from == 'train'


def test_empty_image_file_is_named(tmp_path):
    make_image_folder(tmp_path, classes=('a', 'b'), per_class=1, size=8, splits=('train', ))
    empty = tmp_path / 'train' / 'b' / 'empty.png'
    empty.write_bytes(b'')
    init_default_scope('mmpretrain')
    ds = ClassFolderDataset(data_root=str(tmp_path), data_prefix='train',
                            pipeline=[dict(type='LoadImageFromFile')])
    index = [i for i in range(len(ds)) if ds.get_data_info(i)['img_path'] == str(empty)][0]
    ds[0 if index else 1]  # a good image loads
    with pytest.raises(SampleError, match=f'{empty}'):
        ds[index]


def test_annotation_file_labels_out_of_range_are_named(tmp_path):
    make_image_folder(tmp_path, classes=('a', 'b'), per_class=2, size=8, splits=('train', ))
    ann = tmp_path / 'train.txt'
    ann.write_text('a/0.png 0\na/1.png 1\nb/0.png 5\n')
    with pytest.raises(ValueError, match=r'train.txt: 1 label ids are outside 0-1.*b/0.png \(5\)'):
        ClassFolderDataset(data_root=str(tmp_path), data_prefix='train', ann_file=str(ann),
                           classes=['a', 'b'])
