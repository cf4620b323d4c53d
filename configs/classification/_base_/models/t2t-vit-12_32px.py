# T2T-ViT-12 (256 dims, 12 blocks, 4 heads, MLP ratio 2, Token Performer in the T2T module) for
# 32x32 inputs: the T2T module's first unfold is 3x3 / stride 2 and its last 1x1 ('small' soft
# splits), giving an 8x8 token grid. Attention is scaled correctly (see mmlife t2t_life.py).
# The LIFE variant (use_life=True) uses 252 dims so that LIFE's three scales split evenly.
embed_dims = 256
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='LIFET2TViT',
        img_size=32,
        embed_dims=embed_dims,
        num_layers=12,
        layer_cfgs=dict(num_heads=4, feedforward_channels=2 * embed_dims),
        t2t_cfg=dict(token_dims=64, soft_splits='small', use_performer=True),
        drop_path_rate=0.1,
        use_life=False),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=embed_dims,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ],
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
)
