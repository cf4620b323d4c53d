"""Every classification config (the Table 1 matrix) builds; two images made by its own train
pipeline at the dataset's native resolution go forward and backward through the full model, and
one made by its test pipeline through prediction."""
import glob
import os.path as osp
from functools import partial

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import FUNCTIONS, init_default_scope

import mmlife.models  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_ROOT = osp.join(REPO, 'configs', 'classification')
FAMILIES = ('deit', 't2t_vit', 'swinv2', 'resnet')
CONFIGS = sorted(p for fam in FAMILIES for p in glob.glob(osp.join(CFG_ROOT, fam, '*.py')))
DATASETS = {  # file-name suffix -> (classes, native size; Swin uses 256 on ImageNet data)
    'cifar10': (10, 32), 'cifar100': (100, 32), 'tinyimagenet': (200, 64),
    'imagenet100': (100, 224), 'in1k': (1000, 224)}
MODELS_T1 = {  # Table 1 rows -> config-name prefix
    'DeiT-T': 'deit-tiny_', 'DeiT-T-LIFE': 'deit-tiny-life_', 'DeiT-S': 'deit-small_',
    'DeiT-S-LIFE': 'deit-small-life_', 'T2T-ViT-12': 't2t-vit-12_',
    'T2T-ViT-12-LIFE': 't2t-vit-12-life_', 'SwinV2-T': 'swinv2-tiny-w8_',
    'SwinV2-T-LIFE': 'swinv2-tiny-w8-life_', 'ResNet-18': 'resnet18_', 'ResNet-50': 'resnet50_'}


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """One intra-op thread: on a busy 2-core machine two spinning threads make these full-size
    models 10x slower (about 30 s of CPU in all with one thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def dataset_of(path):
    stem = osp.basename(path)[:-3].split('_')[-1]
    return stem.replace('-256px', '')


def native_size(path):
    size = DATASETS[dataset_of(path)][1]
    return 256 if path.endswith('256px.py') else size


def test_table1_matrix_is_complete():
    names = [osp.basename(p) for p in CONFIGS]
    for model, prefix in MODELS_T1.items():
        for ds in DATASETS:
            hits = [n for n in names if n.startswith(prefix) and dataset_of(n) == ds]
            assert len(hits) == 1, f'{model} x {ds}: expected one config, found {hits}'
    assert len(CONFIGS) == len(MODELS_T1) * len(DATASETS)


def fake_image(size, rng):
    # ImageNet-like data are not square and larger than the crop; small datasets are native
    shape = (size, size, 3) if size <= 64 else (size + 37, size + 61, 3)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def build_collate(loader_cfg):
    """The loader's collate function, looked up as mmengine's Runner does."""
    cfg = dict(loader_cfg.get('collate_fn', dict(type='pseudo_collate')))
    return partial(FUNCTIONS.get(cfg.pop('type')), **cfg)


def run_pipeline(pipeline_cfg, size, label, rng):
    assert pipeline_cfg[0]['type'] == 'LoadImageFromFile'
    pipeline = Compose(pipeline_cfg[1:])  # images are made here, not read
    img = fake_image(size, rng)
    return pipeline(dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                         gt_label=label))


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p)[:-3] for p in CONFIGS])
def test_config_builds_and_trains_one_step(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpretrain'
    assert 'mmlife.models' in cfg.custom_imports['imports']
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS

    num_classes, size = DATASETS[dataset_of(path)][0], native_size(path)
    assert cfg.model.head.num_classes == num_classes == cfg.data_preprocessor.num_classes
    backbone = cfg.model.backbone
    if 'img_size' in backbone:  # the transformers are built for the native resolution
        assert backbone.img_size == size
    if backbone.type.startswith('LIFE'):
        assert backbone.use_life == ('-life' in osp.basename(path))

    torch.manual_seed(0)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)  # as the Runner does
    model = MODELS.build(model_cfg)
    model.train()

    rng = np.random.default_rng(0)
    train_pipeline = cfg.train_dataloader.dataset.pipeline
    collate = build_collate(cfg.train_dataloader)
    batch = collate([run_pipeline(train_pipeline, size, label, rng)
                     for label in (0, num_classes - 1)])
    assert all(img.shape == (3, size, size) for img in batch['inputs'])
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)

    model.eval()
    sample = run_pipeline(cfg.test_dataloader.dataset.pipeline, size, 0, rng)
    assert sample['inputs'].shape == (3, size, size)
    with torch.no_grad():
        data = model.data_preprocessor(build_collate(cfg.test_dataloader)([sample]),
                                       training=False)
        pred = model(**data, mode='predict')[0]
    assert pred.pred_score.shape == (num_classes, )


SMALL_IMAGE_BASES = ['cifar10_bs64_folder.py', 'cifar100_bs64_folder.py',
                     'tinyimagenet_bs64_folder.py']


@pytest.mark.parametrize('base', SMALL_IMAGE_BASES)
def test_small_image_loaders_stack_batches_in_the_worker(base):
    """The small-image bases collate with ``default_collate`` (one stacked tensor a batch, cheap
    to hand from a worker to the main process); the data preprocessor then makes exactly the
    batch that mmpretrain's default ``pseudo_collate`` would."""
    cfg = Config.fromfile(osp.join(CFG_ROOT, '_base_', 'datasets', base))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    size = 64 if base.startswith('tiny') else 32
    preprocessor = MODELS.build(dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    rng = np.random.default_rng(1)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        assert loader.collate_fn == dict(type='default_collate')
        samples = [run_pipeline(loader.dataset.pipeline, size, label, rng) for label in (0, 3, 7)]
        stacked = build_collate(loader)(samples)
        assert isinstance(stacked['inputs'], torch.Tensor)
        assert stacked['inputs'].shape == (3, 3, size, size)
        a = preprocessor(stacked, training=False)
        b = preprocessor(pseudo_collate(samples), training=False)
        torch.testing.assert_close(a['inputs'], b['inputs'], rtol=0, atol=0)
        assert [d.gt_label.item() for d in a['data_samples']] == [0, 3, 7]
