"""Tiny classification / segmentation / detection configs with random checkpoints, for tests.

Each ``write_*`` writes ``<name>.py`` (a standalone config) and ``<name>.pth`` (a randomly
initialised checkpoint with dataset meta) into a folder and returns their paths.
"""
import os.path as osp

import copy

import cv2
import numpy as np
import pytest
import torch

@pytest.fixture(autouse=True)
def keep_default_scope():
    """Undo the global default scope that mmseg/mmdet's init functions leave behind, so the
    tests after these see the scope they had (as ``DefaultScope.overwrite_default_scope``)."""
    from mmengine.registry import DefaultScope
    saved = copy.copy(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = saved


TINY_VIT = dict(embed_dims=24, num_layers=2, num_heads=2, feedforward_channels=48)


def _save(cfg_text, build, folder, name, meta):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    config = osp.join(folder, f'{name}.py')
    with open(config, 'w') as f:
        f.write(cfg_text)
    torch.manual_seed(0)
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = build(cfg)
    checkpoint = osp.join(folder, f'{name}.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': meta}}, checkpoint)
    return config, checkpoint


def write_cls(folder, use_life=True, name=None):
    name = name or f'tiny_cls_life{int(use_life)}'
    text = f'''
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmlife.models'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(num_classes=3, mean=[127.5] * 3, std=[64.] * 3, to_rgb=True),
    backbone=dict(type='LIFEVisionTransformer', arch={TINY_VIT!r}, img_size=16, patch_size=4,
                  use_life={use_life}),
    neck=None,
    head=dict(type='VisionTransformerClsHead', num_classes=3, in_channels=24))
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=16),
                 dict(type='PackInputs')]
test_dataloader = dict(batch_size=2, dataset=dict(type='CustomDataset', data_root='unused',
                                                  pipeline=test_pipeline))
'''

    def build(cfg):
        from mmpretrain.registry import MODELS
        import mmlife.models  # noqa: F401
        return MODELS.build(cfg.model)

    return _save(text, build, folder, name, dict(classes=['cat', 'dog', 'bird']))


SEG_CLASSES = ['road', 'tree', 'sky']


def write_seg(folder, use_life=True, name=None):
    name = name or f'tiny_seg_life{int(use_life)}'
    text = f'''
default_scope = 'mmseg'
custom_imports = dict(imports=['mmlife.models'], allow_failed_imports=False)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[127.5] * 3, std=[64.] * 3,
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size_divisor=8),
    backbone=dict(type='mmpretrain.LIFEVisionTransformer', arch={TINY_VIT!r}, img_size=32,
                  patch_size=8, out_type='featmap', use_life={use_life}),
    decode_head=dict(type='FCNHead', in_channels=24, channels=24, num_convs=0,
                     concat_input=False, num_classes=3, align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(32, 32), stride=(24, 24)))
test_pipeline = [dict(type='LoadImageFromFile'),
                 dict(type='Resize', scale=(44, 36), keep_ratio=True),
                 dict(type='PackSegInputs')]
'''

    def build(cfg):
        from mmseg.registry import MODELS
        import mmlife.models  # noqa: F401
        return MODELS.build(cfg.model)

    meta = dict(classes=SEG_CLASSES, palette=[[128, 64, 128], [0, 160, 0], [70, 130, 180]])
    return _save(text, build, folder, name, meta)


DET_CLASSES = ['RBC', 'WBC', 'Platelets']


_CE_HEAD = dict(type='DETRHead', loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1,
                                               use_sigmoid=False, loss_weight=1.0,
                                               class_weight=1.0))
_FOCAL_HEAD = dict(type='ConditionalDETRHead', loss_cls=dict(type='FocalLoss', use_sigmoid=True,
                                                             gamma=2.0, alpha=0.25,
                                                             loss_weight=2.0))


def _detr_config(header, detector, backbone, neck_in, enc_attn, dec_attn, test_scale,
                 dec_cross_attn=None, head=_CE_HEAD, dims=32):
    """Config text of a tiny DETR-style detector (``dims`` wide, 10 queries, 2 + 1 layers);
    ``dec_cross_attn`` defaults to ``dec_attn``; ``head``: its type and ``loss_cls`` (a
    sigmoid one gets the focal match cost)."""
    ffn = dict(embed_dims=dims, feedforward_channels=2 * dims, num_fcs=2, ffn_drop=0.0,
               act_cfg=dict(type='ReLU', inplace=True))
    dec_cross_attn = dec_attn if dec_cross_attn is None else dec_cross_attn
    cls_cost = (dict(type='FocalLossCost', weight=2.0) if head['loss_cls']['use_sigmoid']
                else dict(type='ClassificationCost', weight=1.))
    return f'''
{header}
model = dict(
    type={detector!r},
    num_queries=10,
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=1),
    backbone={backbone},
    neck=dict(type='ChannelMapper', in_channels=[{neck_in}], kernel_size=1, out_channels={dims},
              act_cfg=None, norm_cfg=None, num_outs=1),
    encoder=dict(num_layers=2, layer_cfg=dict(self_attn_cfg={enc_attn!r}, ffn_cfg={ffn!r})),
    decoder=dict(num_layers=1, layer_cfg=dict(self_attn_cfg={dec_attn!r},
                                              cross_attn_cfg={dec_cross_attn!r}, ffn_cfg={ffn!r}),
                 return_intermediate=True),
    positional_encoding=dict(num_feats={dims // 2}, normalize=True),
    bbox_head=dict(type={head['type']!r}, num_classes=3, embed_dims={dims},
                   loss_cls={head['loss_cls']!r},
                   loss_bbox=dict(type='L1Loss', loss_weight=5.0),
                   loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(assigner=dict(type='HungarianAssigner', match_costs=[
        {cls_cost!r},
        dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
        dict(type='IoUCost', iou_mode='giou', weight=2.0)])),
    test_cfg=dict(max_per_img=10))
test_pipeline = [dict(type='LoadImageFromFile'),
                 dict(type='Resize', scale={test_scale!r}, keep_ratio=True),
                 dict(type='PackDetInputs',
                      meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                 'scale_factor'))]
test_dataloader = dict(dataset=dict(type='CocoDataset', data_root='', ann_file='',
                                    metainfo=dict(classes={DET_CLASSES!r}),
                                    pipeline=test_pipeline))
'''


def write_det(folder, name='tiny_detr'):
    """mmdet's stock DETR on a ResNet-18, with nn.MultiheadAttention everywhere."""
    attn = dict(embed_dims=32, num_heads=2, attn_drop=0.0, proj_drop=0.0, batch_first=True)
    backbone = ("dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), "
                "norm_cfg=dict(type='BN', requires_grad=False), norm_eval=True, style='pytorch')")
    text = _detr_config("default_scope = 'mmdet'", 'DETR', backbone, 512, attn, attn, (160, 120))

    def build(cfg):
        from mmdet.registry import MODELS
        return MODELS.build(cfg.model)

    return _save(text, build, folder, name, dict(classes=DET_CLASSES))


def write_life_detr(folder, qkv_proj='life', use_life=True, name=None, conditional=False):
    """mmlife's LIFEDETR (``conditional``: LIFEConditionalDETR, with mmdet's Conditional DETR
    decoder and head) on a tiny DeiT(-LIFE) backbone; ``qkv_proj`` of the encoder."""
    name = name or (f"tiny_life_{'conditional_' * conditional}detr_{qkv_proj}_"
                    f"life{int(use_life)}")
    header = ("default_scope = 'mmdet'\ncustom_imports = dict(imports=['mmlife.det', "
              "'mmlife.models'], allow_failed_imports=False)")
    backbone = (f"dict(type='mmpretrain.LIFEVisionTransformer', arch={TINY_VIT!r}, img_size=64, "
                f"patch_size=8, out_type='featmap', use_life={use_life})")
    enc_attn = dict(embed_dims=32, num_heads=2, qkv_proj=qkv_proj)
    if conditional:  # mmdet's Conditional DETR decoder is 256 wide (its sine embedding)
        attn = dict(embed_dims=256, num_heads=2)
        text = _detr_config(header, 'LIFEConditionalDETR', backbone, 24, dict(enc_attn, **attn),
                            dict(attn, cross_attn=False), (80, 60),
                            dec_cross_attn=dict(attn, cross_attn=True), head=_FOCAL_HEAD,
                            dims=256)
    else:
        text = _detr_config(header, 'LIFEDETR', backbone, 24, enc_attn,
                            dict(embed_dims=32, num_heads=2, qkv_proj='linear'), (80, 60))

    def build(cfg):
        from mmdet.registry import MODELS
        import mmlife.det  # noqa: F401
        return MODELS.build(cfg.model)

    return _save(text, build, folder, name, dict(classes=DET_CLASSES))


def write_images(folder, sizes=((40, 48), (30, 36)), seed=0):
    """Random-ish images with some structure (blocks), as ``folder/img<i>.png``."""
    rng = np.random.default_rng(seed)
    paths = []
    for i, (h, w) in enumerate(sizes):
        img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        img[h // 4:h // 2, w // 4:3 * w // 4] = (200, 40, 40)
        img[h // 2:, :w // 3] = (40, 200, 40)
        path = osp.join(folder, f'img{i}.png')
        cv2.imwrite(path, img)
        paths.append(path)
    return paths
