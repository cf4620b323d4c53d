# SwinV2-Tiny for 32x32 inputs: patch size 1 (stage maps 32, 16, 8, 4) and windows 8, 8, 8, 4
# (mmpretrain does not shrink a window to a smaller map). use_life switches LIFE on; LIFE masks
# the regions of shifted windows (life_shift_mode='mask', see mmlife swinv2_life.py).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='LIFESwinTransformerV2',
        arch='tiny',
        img_size=32,
        patch_size=1,
        window_size=[8, 8, 8, 4],
        drop_path_rate=0.2,
        use_life=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=768,
        init_cfg=None,  # the model's init_cfg below initialises the head
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        cal_acc=False),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ],
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
)
