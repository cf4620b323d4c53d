# DeiT-Small for 32x32 inputs with 4x4 patches (an 8x8 token grid). use_life switches LIFE on.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='LIFEVisionTransformer',
        arch='deit-small',
        img_size=32,
        patch_size=4,
        drop_path_rate=0.1,
        use_life=False),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=384,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ],
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
)
