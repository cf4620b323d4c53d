"""Every segmentation config builds and is coherent; forward loss and predict on CPU; pretrained
initialisation from a local checkpoint (position embeddings interpolated)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from seg_helpers import REPO, SEG_CONFIGS

from mmlife.models import GridQKV, LIFEVisionTransformer

LINEAR = osp.join(REPO, 'configs/segmentation/linear')
DEIT_T_DIMS, DEIT_T_LAYERS = 192, 12


def load(config):
    cfg = Config.fromfile(config)  # imports custom_imports (mmlife.seg, mmlife.models)
    init_default_scope(cfg.default_scope)
    return cfg


def build(cfg):
    from mmseg.registry import MODELS
    return MODELS.build(cfg.model)


def test_all_configs_found():
    names = {osp.basename(c) for c in SEG_CONFIGS}
    assert len(names) == 10, names
    for dataset in ('8xb1-80k_cityscapes-512x512', '1xb8-10k_camvid-352x480'):
        for model in ('deit-tiny', 'deit-tiny-life', 'deit-tiny_in1k-pre',
                      'deit-tiny-life_in1k-pre'):
            assert f'linear_{model}_{dataset}.py' in names
    # backbones pre-trained here on Imagenette (configs/classification/deit/*imagenette.py)
    for model in ('deit-tiny_imagenette-pre', 'deit-tiny-life_imagenette-pre'):
        assert f'linear_{model}_1xb8-10k_camvid-352x480.py' in names


@pytest.mark.parametrize('config', SEG_CONFIGS, ids=osp.basename)
def test_config_builds_and_is_coherent(config):
    from mmseg.registry import DATASETS
    name = osp.basename(config)
    cfg = load(config)
    assert cfg.default_scope == 'mmseg'
    assert {'mmlife.seg', 'mmlife.models'} <= set(cfg.custom_imports.imports)
    model = build(cfg)
    use_life = '-life' in name
    assert isinstance(model.backbone, LIFEVisionTransformer)
    assert model.backbone.use_life == use_life
    num_life = sum(isinstance(m, GridQKV) for m in model.modules())
    assert num_life == (DEIT_T_LAYERS if use_life else 0)
    assert model.backbone.embed_dims == DEIT_T_DIMS and model.backbone.out_type == 'featmap'
    # the paper's linear head: stock FCNHead without convs, i.e. conv_seg (1x1) alone
    head = model.decode_head
    assert type(head).__name__ == 'FCNHead' and not model.with_auxiliary_head
    assert head.num_convs == 0 and not head.concat_input and head.dropout is None
    assert isinstance(head.convs, torch.nn.Identity)
    assert sum(p.numel() for p in head.parameters()) == DEIT_T_DIMS * head.num_classes \
        + head.num_classes

    cityscapes = 'cityscapes' in name
    num_classes, crop = (19, (512, 512)) if cityscapes else (11, (352, 480))
    assert model.decode_head.num_classes == num_classes
    assert tuple(cfg.crop_size) == crop
    assert tuple(cfg.model.backbone.img_size) == crop
    assert tuple(cfg.model.data_preprocessor.size) == crop
    assert all(c % 16 == 0 for c in crop)
    random_crop = [t for t in cfg.train_pipeline if t.type == 'RandomCrop']
    assert tuple(random_crop[0].crop_size) == crop
    if cityscapes:
        assert cfg.model.test_cfg.mode == 'slide' and tuple(cfg.model.test_cfg.crop_size) == crop
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = DATASETS.build(dict(cfg[loader].dataset, lazy_init=True))
        assert type(ds).__name__ == ('CityscapesDataset' if cityscapes else 'CamVidDataset')
        assert len(ds.metainfo['classes']) == num_classes

    init = cfg.model.backbone.init_cfg
    if '-pre' in name:
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert '://' not in init.checkpoint and init.checkpoint.startswith('pretrain/')
        assert ('life' in osp.basename(init.checkpoint)) == use_life
        pre = 'imagenette_backbone' if 'imagenette-pre' in name else 'in1k'
        assert osp.basename(init.checkpoint).startswith(f'deit-tiny{"-life" * use_life}_{pre}')
    else:
        assert all(i.type != 'Pretrained' for i in init)


def test_life_and_plain_configs_differ_only_by_life():
    """DeiT-T-LIFE has exactly LIFE's parameters instead of each block's QKV Linear."""
    C = DEIT_T_DIMS
    linear_qkv = C * 3 * C + 3 * C
    life_qkv = 3 * (C * C + C) + (C * 9 + C) + (C * 25 + C)  # 3 pointwise, dw 3x3, dw 5x5
    for dataset in ('8xb1-80k_cityscapes-512x512', '1xb8-10k_camvid-352x480'):
        plain = build(load(osp.join(LINEAR, f'linear_deit-tiny_{dataset}.py')))
        life = build(load(osp.join(LINEAR, f'linear_deit-tiny-life_{dataset}.py')))
        n_plain = sum(p.numel() for p in plain.parameters())
        n_life = sum(p.numel() for p in life.parameters())
        assert n_life - n_plain == DEIT_T_LAYERS * (life_qkv - linear_qkv) == 82944


def tiny_batch(model, hw, num_classes, n=2, seed=0):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    imgs, samples = [], []
    for _ in range(n):
        imgs.append(torch.randint(0, 256, (3, *hw), dtype=torch.uint8, generator=g))
        s = SegDataSample(metainfo=dict(img_shape=hw, ori_shape=hw))
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, *hw), generator=g))
        samples.append(s)
    return dict(inputs=imgs, data_samples=samples)


@pytest.mark.parametrize('name', [
    'linear_deit-tiny_1xb8-10k_camvid-352x480.py',
    'linear_deit-tiny-life_1xb8-10k_camvid-352x480.py',
    'linear_deit-tiny-life_8xb1-80k_cityscapes-512x512.py',
])
def test_forward_loss_and_predict_cpu(name):
    """32x48 crops (a 2x3 position grid) from 30x40 training images (padded to the crop size);
    40x60 test images (padded to 48x64, a 3x4 grid: the position embeddings are interpolated);
    Cityscapes' sliding-window test runs with 32x32 windows."""
    cfg = load(osp.join(LINEAR, name))
    cfg.model.backbone.img_size = (32, 48)
    cfg.model.data_preprocessor.size = (32, 48)
    if cfg.model.test_cfg.mode == 'slide':
        cfg.model.test_cfg.update(crop_size=(32, 32), stride=(21, 21))
    num_classes = cfg.model.decode_head.num_classes
    torch.manual_seed(0)
    model = build(cfg)
    model.init_weights()

    batch = tiny_batch(model, hw=(30, 40), num_classes=num_classes)
    data = model.data_preprocessor(batch, training=True)
    assert data['inputs'].shape == (2, 3, 32, 48)  # padded to the crop size
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    assert torch.isfinite(losses['decode.loss_ce'])
    # untrained: the loss is about log(num_classes)
    assert abs(losses['decode.loss_ce'].item() - np.log(num_classes)) < 1.0
    losses['decode.loss_ce'].backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert no_grad == [], no_grad  # LIFE's depthwise convs and the head included

    model.eval()
    with torch.no_grad():
        results = model.test_step(tiny_batch(model, (40, 60), num_classes, seed=1))
    for r in results:
        assert r.pred_sem_seg.shape == (40, 60)
        assert r.seg_logits.data.shape == (num_classes, 40, 60)
        pred = r.pred_sem_seg.data
        assert pred.min() >= 0 and pred.max() < num_classes
        torch.testing.assert_close(pred[0], r.seg_logits.data.argmax(0))


def bilinear_reference(grid, out_hw):
    """``align_corners=False`` bilinear resize of an ``(h, w, C)`` array, written out."""
    h, w, _ = grid.shape
    H, W = out_hw

    def taps(n_out, n_in):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    ylo, yhi, wy = taps(H, h)
    xlo, xhi, wx = taps(W, w)
    out = np.zeros((H, W, grid.shape[2]))
    for i in range(H):
        for j in range(W):
            top = (1 - wx[j]) * grid[ylo[i], xlo[j]] + wx[j] * grid[ylo[i], xhi[j]]
            bottom = (1 - wx[j]) * grid[yhi[i], xlo[j]] + wx[j] * grid[yhi[i], xhi[j]]
            out[i, j] = (1 - wy[i]) * top + wy[i] * bottom
    return out


@pytest.mark.parametrize('life', [False, True])
def test_pretrained_init_from_local_checkpoint(tmp_path, life):
    """An ImageNet-style classifier checkpoint (keys backbone.* and head.*, a 2x2 position grid)
    initialises the backbone of the *_in1k-pre config; its position grid is resized to 4x4."""
    torch.manual_seed(0)
    src = LIFEVisionTransformer(arch='deit-tiny', img_size=32, patch_size=16, use_life=life)
    with torch.no_grad():
        for p in src.parameters():
            p.normal_()
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()}
    state['head.layers.head.weight'] = torch.zeros(1000, DEIT_T_DIMS)
    ckpt = tmp_path / 'in1k.pth'
    torch.save(dict(meta=dict(), state_dict=state), ckpt)

    name = f'linear_deit-tiny{"-life" if life else ""}_in1k-pre_1xb8-10k_camvid-352x480.py'
    cfg = load(osp.join(LINEAR, name))
    cfg.model.backbone.img_size = (64, 64)
    cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    model = build(cfg)
    model.init_weights()

    got = model.backbone.state_dict()
    assert set(got) == set(src.state_dict())
    for k, v in src.state_dict().items():
        if k != 'pos_embed':
            torch.testing.assert_close(got[k], v, msg=k)
    pos_src, pos = src.pos_embed[0].detach(), got['pos_embed'][0]
    assert pos.shape == (1 + 16, DEIT_T_DIMS)
    torch.testing.assert_close(pos[0], pos_src[0])  # the cls token's embedding
    grid = bilinear_reference(pos_src[1:].reshape(2, 2, -1).double().numpy(), (4, 4))
    torch.testing.assert_close(pos[1:].double(), torch.from_numpy(grid).reshape(16, -1),
                               rtol=1e-5, atol=1e-5)


def test_missing_pretrained_checkpoint_names_the_path():
    cfg = load(osp.join(LINEAR, 'linear_deit-tiny_in1k-pre_8xb1-80k_cityscapes-512x512.py'))
    cfg.model.backbone.init_cfg.checkpoint = 'pretrain/does-not-exist.pth'
    model = build(cfg)
    with pytest.raises(FileNotFoundError, match='does-not-exist.pth'):
        model.init_weights()
