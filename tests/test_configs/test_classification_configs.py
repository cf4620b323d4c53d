"""Every classification config (the Table 1 matrix) builds; two images made by its own train
pipeline at the dataset's native resolution go forward and backward through the full model, and
one made by its test pipeline through prediction."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

import mmlife.models  # noqa: F401
from mmlife.datasets import build_collate

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_ROOT = osp.join(REPO, 'configs', 'classification')
FAMILIES = ('deit', 't2t_vit', 'swinv2', 'resnet')
CONFIGS = sorted(p for fam in FAMILIES for p in glob.glob(osp.join(CFG_ROOT, fam, '*.py')))
DATASETS = {  # file-name suffix -> (classes, native size; Swin uses 256 on ImageNet data)
    'cifar10': (10, 32), 'cifar100': (100, 32), 'tinyimagenet': (200, 64),
    'imagenet100': (100, 224), 'in1k': (1000, 224), 'imagenette': (10, 224)}
TABLE1_DATASETS = ('cifar10', 'cifar100', 'tinyimagenet', 'imagenet100', 'in1k')
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
    # the official-recipe variants (-official) are extra configs of existing rows
    names = [osp.basename(p) for p in CONFIGS if '-official_' not in p]
    for model, prefix in MODELS_T1.items():
        for ds in TABLE1_DATASETS:
            hits = [n for n in names if n.startswith(prefix) and dataset_of(n) == ds]
            assert len(hits) == 1, f'{model} x {ds}: expected one config, found {hits}'
    assert sum(dataset_of(n) in TABLE1_DATASETS for n in names) == len(MODELS_T1) * 5
    # beyond Table 1: DeiT-T and DeiT-T-LIFE on Imagenette (the backbones of the *-pre configs)
    assert sorted(n for n in names if dataset_of(n) not in TABLE1_DATASETS) == [
        'deit-tiny-life_p16_8xb64_imagenette.py', 'deit-tiny_p16_8xb64_imagenette.py']


OFFICIAL = {  # official-recipe config -> its DeiT-recipe config (folder, official, base)
    arm: (folder, f'{arm}{sep}8xb64-official_cifar10.py', f'{arm}{sep}8xb64_cifar10.py')
    for folder, sep, arms in (('deit', '_p4_', ('deit-tiny', 'deit-tiny-life', 'deit-small',
                                                'deit-small-life')),
                              ('t2t_vit', '_', ('t2t-vit-12', 't2t-vit-12-life')),
                              ('swinv2', '_p1_', ('swinv2-tiny-w8', 'swinv2-tiny-w8-life')))
    for arm in arms}


def test_every_official_config_is_checked():
    found = sorted(osp.basename(p) for p in CONFIGS
                   if p.endswith('-official_cifar10.py') and '-convtok' not in p)
    assert found == sorted(official for _, official, _ in OFFICIAL.values())


@pytest.mark.parametrize('arm', sorted(OFFICIAL))
def test_official_recipe_adds_repeated_augmentation_and_ema(arm):
    """The -official configs are their DeiT-recipe config plus mmpretrain's RepeatAugSampler
    (3 repeats, epoch length unchanged) and mmpretrain's EMAHook, which averages over the same
    20 epochs as DeiT's decay 0.99996 does on ImageNet at batch 1024, and validates the trained
    weights, as DeiT's training script does."""
    from mmpretrain.registry import DATA_SAMPLERS, HOOKS
    folder, official, plain = OFFICIAL[arm]
    cfg = Config.fromfile(osp.join(CFG_ROOT, folder, official))
    base = Config.fromfile(osp.join(CFG_ROOT, folder, plain))
    assert cfg.model == base.model and cfg.optim_wrapper == base.optim_wrapper
    assert cfg.param_scheduler == base.param_scheduler and cfg.train_cfg == base.train_cfg
    assert cfg.train_dataloader.dataset == base.train_dataloader.dataset
    init_default_scope('mmpretrain')
    sampler = DATA_SAMPLERS.build(dict(cfg.train_dataloader.sampler, dataset=list(range(12)),
                                       seed=0))
    indices = list(sampler)
    assert len(indices) == 12 and len(set(indices)) < 12  # repeats, same epoch length
    # the base's EagerOptimizerStepHook is kept next to the EMA
    assert [h.type for h in cfg.custom_hooks] == ['EagerOptimizerStepHook', 'EMAHook']
    hook = HOOKS.build(cfg.custom_hooks[1])
    assert type(hook).__module__.startswith('mmpretrain')  # the one with evaluate_on_*
    assert hook.evaluate_on_origin and not hook.evaluate_on_ema
    assert hook.ema_cfg['type'] == 'ForeachExponentialMovingAverage'
    # time constant in epochs: DeiT on ImageNet (1,251 iterations an epoch) vs this config
    iters_per_epoch = 50_000 // cfg.train_dataloader.batch_size // 8 + 1  # 8 GPUs, as named
    deit_epochs = 1 / 4e-5 / 1251
    assert deit_epochs == pytest.approx(20, rel=0.01)
    assert 1 / cfg.custom_hooks[1].momentum / iters_per_epoch == pytest.approx(deit_epochs, rel=0.05)


@pytest.mark.parametrize('arm', ['deit-tiny', 'deit-tiny-life'])
def test_convtok_configs_change_only_the_tokenizer(arm):
    """The -convtok configs are their official-recipe config with a ConvTokenizer (same 8x8
    grid) in place of the 4x4 patch embedding."""
    cfg = Config.fromfile(osp.join(CFG_ROOT, 'deit', f'{arm}-convtok_p4_8xb64-official_cifar10.py'))
    base = Config.fromfile(osp.join(CFG_ROOT, 'deit', f'{arm}_p4_8xb64-official_cifar10.py'))
    tokenizer = cfg.model.backbone.pop('tokenizer')
    assert tokenizer == dict(type='ConvTokenizer', channels=(64, ))
    assert cfg.model == base.model
    for key in ('train_dataloader', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'custom_hooks'):
        assert cfg[key] == base[key], key


def fake_image(size, rng):
    # ImageNet-like data are not square and larger than the crop; small datasets are native
    shape = (size, size, 3) if size <= 64 else (size + 37, size + 61, 3)
    return rng.integers(0, 256, shape, dtype=np.uint8)


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
    """The small-image bases collate with ``stack_collate`` (``default_collate`` with a size check:
    one stacked tensor a batch, cheap
    to hand from a worker to the main process); the data preprocessor then makes exactly the
    batch that mmpretrain's default ``pseudo_collate`` would."""
    cfg = Config.fromfile(osp.join(CFG_ROOT, '_base_', 'datasets', base))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    size = 64 if base.startswith('tiny') else 32
    preprocessor = MODELS.build(cfg.data_preprocessor)
    rng = np.random.default_rng(1)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        assert loader.collate_fn == dict(type='stack_collate')
        samples = [run_pipeline(loader.dataset.pipeline, size, label, rng) for label in (0, 3, 7)]
        stacked = build_collate(loader)(samples)
        assert isinstance(stacked['inputs'], torch.Tensor)
        assert stacked['inputs'].shape == (3, 3, size, size)
        a = preprocessor(stacked, training=False)
        b = preprocessor(pseudo_collate(samples), training=False)
        torch.testing.assert_close(a['inputs'], b['inputs'], rtol=0, atol=0)
        assert [d.gt_label.item() for d in a['data_samples']] == [0, 3, 7]


IMAGENETTE = {'n01440764': 'tench', 'n02102040': 'English springer',
              'n02979186': 'cassette player', 'n03000684': 'chain saw', 'n03028079': 'church',
              'n03394916': 'French horn', 'n03417042': 'garbage truck', 'n03425413': 'gas pump',
              'n03445777': 'golf ball', 'n03888257': 'parachute'}


@pytest.mark.parametrize('arm', ['deit-tiny', 'deit-tiny-life'])
def test_imagenette_config_trains_one_step_on_a_folder(tmp_path, arm):
    """The Imagenette configs read an image folder of the 10 wnids (shorter side 160) with the
    classes being the wnid folders in sorted order, and train one step (AdamW, DeiT recipe) at 224 x 224."""
    import cv2
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(osp.join(CFG_ROOT, 'deit', f'{arm}_p16_8xb64_imagenette.py'))
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.model.backbone.patch_size == 16 and cfg.model.backbone.img_size == 224
    assert cfg.model.backbone.use_life == ('life' in arm)
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for i, wnid in enumerate(IMAGENETTE):
            folder = tmp_path / split / wnid
            folder.mkdir(parents=True)
            h, w = (160, 160 + 16 * i) if i % 2 else (160 + 16 * i, 160)
            cv2.imwrite(str(folder / f'{wnid}_{i}.jpg'),
                        rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import DATASETS, MODELS
    datasets = {loader: DATASETS.build(dict(cfg[loader].dataset, data_root=str(tmp_path)))
                for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    for ds in datasets.values():
        assert ds.metainfo['classes'] == tuple(IMAGENETTE)
        assert len(ds) == 10
        for i in range(10):  # folder i (sorted wnids) is label i
            info = ds.get_data_info(i)
            wnid = osp.basename(osp.dirname(info['img_path']))
            assert ds.metainfo['classes'][info['gt_label']] == wnid
    val = datasets['val_dataloader'][3]
    assert val['inputs'].shape == (3, 224, 224)

    train = datasets['train_dataloader']
    batch = build_collate(cfg.train_dataloader)([train[0], train[9]])
    assert [d.gt_label.item() for d in batch['data_samples']] == [0, 9]
    torch.manual_seed(0)
    model_cfg = dict(cfg.model, data_preprocessor=cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    head = model.head.layers.head.weight.detach().clone()
    log_vars = model.train_step(batch, optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(head, model.head.layers.head.weight)
