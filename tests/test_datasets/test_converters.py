"""Dataset converters on tiny fabricated inputs: CIFAR-100 pickles, Tiny-ImageNet's val
annotations, ImageNet-100 links; their outputs load with the configs' dataset settings."""
import importlib
import os
import os.path as osp
import pickle
import re

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO, run_tool


def load_converter(name):
    """The converter module of ``mmlife.datasets.converters`` (run by tools/dataset_converters)."""
    return importlib.import_module(f'mmlife.datasets.converters.{name}')


def build_config_dataset(config, data_root, **overrides):
    """The dataset of ``config``'s train and val loaders, read from ``data_root``."""
    init_default_scope('mmpretrain')
    import mmpretrain.datasets  # noqa: F401  (registers the dataset types)

    import mmlife.datasets  # noqa: F401  (ClassFolderDataset)
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'classification', '_base_', 'datasets',
                                   config))
    out = []
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        ds_cfg = loader.dataset.copy()
        ds_cfg.update(data_root=str(data_root), pipeline=[], **overrides)
        out.append(DATASETS.build(ds_cfg))
    return out


def write_pickle(path, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj, f)


def fake_cifar100(root, rng):
    src = root / 'cifar-100-python'
    src.mkdir()
    names = [b'apple', b'bee', b'cloud']
    write_pickle(src / 'meta', {b'fine_label_names': names, b'coarse_label_names': [b'x']})
    splits = {}
    for split, n in (('train', 5), ('test', 3)):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 3, n)]
        write_pickle(src / split, {b'data': data, b'fine_labels': labels,
                                   b'coarse_labels': [0] * n})
        splits[split] = (data, labels)
    return src, [n.decode() for n in names], splits


def test_cifar100(tmp_path):
    rng = np.random.default_rng(0)
    src, names, splits = fake_cifar100(tmp_path, rng)
    out = tmp_path / 'cifar100'
    counts = load_converter('cifar100').convert_cifar100(str(src), str(out))
    assert counts == {'train': 5, 'test': 3}
    for split, (data, labels) in splits.items():
        for i, label in enumerate(labels):
            img = cv2.imread(str(out / split / names[label] / f'{i:05d}.png'))
            # pickles are CHW RGB rows; the PNG is lossless
            expected = data[i].reshape(3, 32, 32).transpose(1, 2, 0)[..., ::-1]
            np.testing.assert_array_equal(img, expected)
    # 3 of the 100 classes of the config
    train, test = build_config_dataset('cifar100_bs64_folder.py', out,
                                       allow_missing_classes=True)
    assert len(train) == 5 and len(test) == 3
    assert sorted(names[label] for label in splits['train'][1]) == sorted(
        train.CLASSES[train.get_data_info(i)['gt_label']] for i in range(5))


def test_cifar100_cli_and_bad_input(tmp_path):
    src, _, _ = fake_cifar100(tmp_path, np.random.default_rng(1))
    out = run_tool(['tools/dataset_converters/cifar100.py', str(src), str(tmp_path / 'o')])
    assert "{'train': 5, 'test': 3}" in out
    with pytest.raises(FileNotFoundError, match='cifar-100-python'):
        load_converter('cifar100').convert_cifar100(str(tmp_path), str(tmp_path / 'x'))


def fake_tiny_imagenet(root, wnids=('n01443537', 'n01629819'), per_class=3):
    src = root / 'tiny-imagenet-200'
    (src / 'val' / 'images').mkdir(parents=True)
    (src / 'wnids.txt').write_text('\n'.join(wnids) + '\n')
    img = np.zeros((64, 64, 3), np.uint8)
    for w in wnids:
        folder = src / 'train' / w / 'images'
        folder.mkdir(parents=True)
        for i in range(per_class):
            cv2.imwrite(str(folder / f'{w}_{i}.JPEG'), img + i)
    lines, labels = [], {}
    for i in range(2 * len(wnids)):
        name, w = f'val_{i}.JPEG', wnids[i % len(wnids)]
        cv2.imwrite(str(src / 'val' / 'images' / name), img + 10 * i)
        lines.append(f'{name}\t{w}\t0\t0\t63\t63')
        labels[name] = w
    (src / 'val' / 'val_annotations.txt').write_text('\n'.join(lines) + '\n')
    return src, labels


@pytest.mark.parametrize('copy', [False, True])
def test_tiny_imagenet(tmp_path, copy):
    src, labels = fake_tiny_imagenet(tmp_path)
    out = tmp_path / 'tiny-imagenet'
    tool = load_converter('tiny_imagenet')
    assert tool.convert_tiny_imagenet(str(src), str(out), copy=copy) == {'train': 6, 'val': 4}
    for name, wnid in labels.items():
        dst = out / 'val' / wnid / name
        assert dst.is_symlink() != copy
        assert dst.read_bytes() == (src / 'val' / 'images' / name).read_bytes()
    assert sorted(os.listdir(out / 'train' / 'n01629819')) == [
        f'n01629819_{i}.JPEG' for i in range(3)]
    train, val = build_config_dataset('tinyimagenet_bs64_folder.py', out)
    assert len(train) == 6 and len(val) == 4
    assert val.CLASSES == ('n01443537', 'n01629819')
    for i in range(len(val)):
        info = val.get_data_info(i)
        assert labels[osp.basename(info['img_path'])] == val.CLASSES[info['gt_label']]


def test_tiny_imagenet_bad_input(tmp_path):
    src, _ = fake_tiny_imagenet(tmp_path)
    tool = load_converter('tiny_imagenet')
    ann = src / 'val' / 'val_annotations.txt'
    ann.write_text(ann.read_text() + 'val_0.JPEG\tn99999999\t0\t0\t1\t1\n')
    with pytest.raises(ValueError, match='n99999999'):
        tool.convert_tiny_imagenet(str(src), str(tmp_path / 'o1'))
    ann.write_text('val_9.JPEG\tn01443537\t0\t0\t1\t1\n')
    with pytest.raises(FileNotFoundError, match='val_9.JPEG'):
        tool.convert_tiny_imagenet(str(src), str(tmp_path / 'o2'))
    with pytest.raises(FileNotFoundError, match='tiny-imagenet-200'):
        tool.convert_tiny_imagenet(str(tmp_path), str(tmp_path / 'o3'))


def test_imagenet100_class_list():
    classes = load_converter('imagenet100').IMAGENET100_CLASSES
    assert len(classes) == len(set(classes)) == 100
    assert all(re.fullmatch(r'n\d{8}', c) for c in classes)
    # CMC's imagenet100.txt starts and ends with these
    assert classes[:3] == ('n02869837', 'n01749939', 'n02488291')
    assert classes[-1] == 'n02090622'


def fake_imagenet(root, classes, extra=('n00000001', 'n00000002'), flat_val=False):
    src = root / 'imagenet'
    all_wnids = sorted(list(classes) + list(extra))
    val_lines = []
    for w in all_wnids:
        (src / 'train' / w).mkdir(parents=True)
        (src / 'train' / w / f'{w}_1.JPEG').write_bytes(w.encode())
        name = f'ILSVRC2012_val_{w}.JPEG'
        if flat_val:
            (src / 'val').mkdir(exist_ok=True)
            (src / 'val' / name).write_bytes(b'v' + w.encode())
            val_lines.append(f'{name} {all_wnids.index(w)}')
        else:
            (src / 'val' / w).mkdir(parents=True)
            (src / 'val' / w / name).write_bytes(b'v' + w.encode())
    if flat_val:
        (src / 'meta').mkdir()
        (src / 'meta' / 'val.txt').write_text('\n'.join(val_lines) + '\n')
    return src


def test_imagenet100_class_folders(tmp_path):
    tool = load_converter('imagenet100')
    src = fake_imagenet(tmp_path, tool.IMAGENET100_CLASSES)
    out = tmp_path / 'imagenet100'
    assert tool.make_imagenet100(str(src), str(out)) == {'train': 100, 'val': 100}
    assert sorted(os.listdir(out / 'train')) == sorted(tool.IMAGENET100_CLASSES)
    assert all((out / 'train' / w).is_symlink() for w in tool.IMAGENET100_CLASSES)
    w = tool.IMAGENET100_CLASSES[7]
    assert (out / 'val' / w / f'ILSVRC2012_val_{w}.JPEG').read_bytes() == b'v' + w.encode()
    train, val = build_config_dataset('imagenet100_bs64_224.py', out)
    assert len(train) == len(val) == 100
    assert train.CLASSES == val.CLASSES == tuple(sorted(tool.IMAGENET100_CLASSES))


def test_imagenet100_flat_val(tmp_path):
    tool = load_converter('imagenet100')
    classes = tool.IMAGENET100_CLASSES
    extra = tuple(f'n{i:08d}' for i in range(1, 901))  # meta/val.txt indexes 1000 classes
    src = fake_imagenet(tmp_path, classes, extra=extra, flat_val=True)
    out = tmp_path / 'imagenet100'
    assert tool.make_imagenet100(str(src), str(out)) == {'train': 100, 'val': 100}
    w = classes[42]
    link = out / 'val' / w / f'ILSVRC2012_val_{w}.JPEG'
    assert link.is_symlink() and link.read_bytes() == b'v' + w.encode()
    assert sorted(os.listdir(out / 'val')) == sorted(classes)


def test_imagenet100_bad_input(tmp_path):
    tool = load_converter('imagenet100')
    src = fake_imagenet(tmp_path, tool.IMAGENET100_CLASSES[1:])
    with pytest.raises(FileNotFoundError, match='1 of the 100 classes'):
        tool.make_imagenet100(str(src), str(tmp_path / 'o'))
    with pytest.raises(ValueError, match='duplicates'):
        tool.make_imagenet100(str(src), str(tmp_path / 'o'), classes=['n00000001'] * 2)
    # a custom list works on any tree
    assert tool.make_imagenet100(str(src), str(tmp_path / 'o2'), classes=['n00000001']) == {
        'train': 1, 'val': 1}


def test_cifar10(tmp_path):
    """Fabricated CIFAR-10 pickles -> folders; pixels and labels survive, the config reads it."""
    cvt = load_converter('cifar10')
    src = tmp_path / 'cifar-10-batches-py'
    src.mkdir()
    classes = [f'c{i}' for i in range(10)]
    with open(src / 'batches.meta', 'wb') as f:
        pickle.dump({b'label_names': [c.encode() for c in classes]}, f)
    rng = np.random.default_rng(0)
    batches = {}
    for name in cvt.TRAIN_BATCHES + cvt.TEST_BATCHES:
        data = rng.integers(0, 256, (3, 3 * 32 * 32), dtype=np.uint8)
        labels = [int(x) for x in rng.integers(0, 10, 3)]
        batches[name] = (data, labels)
        with open(src / name, 'wb') as f:
            pickle.dump({b'data': data, b'labels': labels}, f)
    out = tmp_path / 'cifar10'
    assert cvt.convert_cifar10(str(src), str(out)) == {'train': 15, 'test': 3}
    data, labels = batches['test_batch']
    img = cv2.imread(str(out / 'test' / classes[labels[1]] / '00001.png'))  # BGR
    rgb = data[1].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(img[..., ::-1], rgb)
    with pytest.raises(FileNotFoundError, match='batches.meta'):
        cvt.convert_cifar10(str(tmp_path / 'nowhere'), str(out))
