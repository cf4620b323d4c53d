# DETR (6 + 6 layers, width 256, 100 queries) on a DeiT-Tiny backbone (patch 16, ImageNet arch:
# 512 x 512 input -> a 32 x 32 map of 192 channels from the last block), mapped to 256 channels.
# Variant EncDec: no input projection in any attention (qkv_proj='none'). The EncDec-Linear /
# EncDec-LIFE configs change `qkv_proj`; DeiT-T-LIFE configs set backbone.use_life=True.
# No dropout in the encoder and decoder (DETR's own recipe has 0.1): with dropout, the object
# queries can stay identical and still lower the loss, because the Hungarian matching picks, for
# each object, whichever query the dropout noise moved closest to it. At test time (no noise)
# every query then predicts the same box. Without dropout the queries must learn to differ:
# `python tools/analysis_tools/det_overfit.py CONFIG` shows the difference on a few images.
_attn = dict(embed_dims=256, num_heads=8, qkv_proj='none', attn_drop=0., proj_drop=0.)
_ffn = dict(embed_dims=256, feedforward_channels=2048, num_fcs=2, ffn_drop=0.,
            act_cfg=dict(type='ReLU', inplace=True))
model = dict(
    type='LIFEDETR',
    num_queries=100,
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1,
        # copy images and boxes to the GPU without a host sync each (mmengine's default blocks)
        non_blocking=True),
    backbone=dict(
        type='mmpretrain.LIFEVisionTransformer',
        arch='deit-tiny',
        img_size=512,
        patch_size=16,
        out_type='featmap',
        final_norm=True,
        drop_path_rate=0.1,
        use_life=False,
        # random init as in the classification configs; the *-in1k-pre configs load a checkpoint
        init_cfg=[
            dict(type='TruncNormal', layer='Linear', std=.02),
            dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
        ]),
    neck=dict(
        type='ChannelMapper',
        in_channels=[192],
        kernel_size=1,
        out_channels=256,
        act_cfg=None,
        norm_cfg=None,
        num_outs=1),
    encoder=dict(  # LIFEDetrTransformerEncoder
        num_layers=6,
        # pre_norm=True: DETR's normalize_before (norm, then attention / FFN, then the residual;
        # one more norm after the last layer); False: mmdet's post-norm layers
        # qkv_init (EncDec-LIFE only): 'xavier', every LIFE layer Xavier with its own fans
        # (Q, K, V start ~1.4x the Linear's); 'linear', scale 1 with the fans of the
        # Linear(256, 768) it replaces (Q, K, V start at the Linear's scale)
        layer_cfg=dict(self_attn_cfg=dict(_attn, qkv_init='xavier'), ffn_cfg=_ffn,
                       pre_norm=False)),
    decoder=dict(  # LIFEDetrTransformerDecoder
        num_layers=6,
        layer_cfg=dict(self_attn_cfg=_attn, cross_attn_cfg=_attn, ffn_cfg=_ffn),
        return_intermediate=True),
    positional_encoding=dict(num_feats=128, normalize=True),
    bbox_head=dict(
        type='BatchedMatchDETRHead',  # = DETRHead, its matching and losses batched (faster)
        num_classes=20,
        embed_dims=256,
        loss_cls=dict(
            type='CrossEntropyLoss',
            bg_cls_weight=0.1,
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))
