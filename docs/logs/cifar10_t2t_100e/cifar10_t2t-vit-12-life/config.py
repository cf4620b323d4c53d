auto_scale_lr = dict(base_batch_size=512)
bgr_mean = [
    113.8575,
    122.961,
    125.307,
]
classes = (
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
)
collate_fn = dict(type='stack_collate')
custom_hooks = [
    dict(type='EagerOptimizerStepHook'),
    dict(
        ema_type='ForeachExponentialMovingAverage',
        evaluate_on_ema=False,
        evaluate_on_origin=True,
        momentum=0.0005,
        priority='ABOVE_NORMAL',
        type='EMAHook'),
]
custom_imports = dict(
    allow_failed_imports=False,
    imports=[
        'mmlife.models',
        'mmlife.datasets',
        'mmlife.engine',
    ])
data_preprocessor = dict(
    mean=[
        125.307,
        122.961,
        113.8575,
    ],
    num_classes=10,
    std=[
        51.5865,
        50.847,
        51.255,
    ],
    to_rgb=True,
    type='BatchLabelClsDataPreprocessor')
data_root = 'data/cifar10'
dataset_type = 'ClassFolderDataset'
default_hooks = dict(
    checkpoint=dict(
        interval=10,
        max_keep_ckpts=3,
        save_best='auto',
        type='AtomicCheckpointHook'),
    epoch_seed=dict(type='EpochSeedHook'),
    logger=dict(interval=20, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(enable=False, type='VisualizationHook'))
default_scope = 'mmpretrain'
embed_dims = 256
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
mean = [
    125.307,
    122.961,
    113.8575,
]
model = dict(
    backbone=dict(
        drop_path_rate=0.1,
        embed_dims=252,
        img_size=32,
        layer_cfgs=dict(feedforward_channels=504, num_heads=4),
        num_layers=12,
        t2t_cfg=dict(soft_splits='small', token_dims=64, use_performer=True),
        type='LIFET2TViT',
        use_life=True),
    head=dict(
        in_channels=252,
        loss=dict(
            label_smooth_val=0.1, mode='original', type='LabelSmoothLoss'),
        num_classes=10,
        type='VisionTransformerClsHead'),
    init_cfg=[
        dict(layer='Linear', std=0.02, type='TruncNormal'),
        dict(bias=0.0, layer='LayerNorm', type='Constant', val=1.0),
    ],
    neck=None,
    train_cfg=dict(augments=[
        dict(alpha=0.8, type='Mixup'),
        dict(alpha=1.0, type='CutMix'),
    ]),
    type='ImageClassifier')
num_classes = 10
optim_wrapper = dict(
    constructor='MergedGroupsOptimWrapperConstructor',
    dtype='bfloat16',
    loss_scale='dynamic',
    optimizer=dict(
        betas=(
            0.9,
            0.999,
        ),
        eps=1e-08,
        fused=True,
        lr=0.0005,
        type='AdamW',
        weight_decay=0.05),
    paramwise_cfg=dict(
        bias_decay_mult=0.0,
        custom_keys=dict({
            '.cls_token': dict(decay_mult=0.0),
            '.dist_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }),
        flat_decay_mult=0.0,
        norm_decay_mult=0.0),
    type='AmpOptimWrapper')
param_scheduler = [
    dict(
        by_epoch=True,
        convert_to_iter_based=True,
        end=5,
        start_factor=0.001,
        type='LinearLR'),
    dict(begin=5, by_epoch=True, eta_min=1e-05, type='CosineAnnealingLR'),
]
randomness = dict(deterministic=False, seed=0)
resume = False
std = [
    51.5865,
    50.847,
    51.255,
]
test_cfg = dict()
test_dataloader = dict(
    batch_size=256,
    collate_fn=dict(type='stack_collate'),
    dataset=dict(
        classes=(
            'airplane',
            'automobile',
            'bird',
            'cat',
            'deer',
            'dog',
            'frog',
            'horse',
            'ship',
            'truck',
        ),
        data_prefix='test',
        data_root='data/cifar10',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='PackInputs'),
        ],
        type='ClassFolderDataset'),
    num_workers=4,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
train_dataloader = dict(
    batch_size=512,
    collate_fn=dict(type='stack_collate'),
    dataset=dict(
        classes=(
            'airplane',
            'automobile',
            'bird',
            'cat',
            'deer',
            'dog',
            'frog',
            'horse',
            'ship',
            'truck',
        ),
        data_prefix='train',
        data_root='data/cifar10',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                crop_size=32,
                padding=4,
                padding_mode='reflect',
                type='RandomCrop'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(
                hparams=dict(
                    interpolation='bicubic', pad_val=[
                        114,
                        123,
                        125,
                    ]),
                magnitude_level=9,
                magnitude_std=0.5,
                num_policies=2,
                policies='timm_increasing',
                total_level=10,
                type='RandAugment'),
            dict(
                erase_prob=0.25,
                fill_color=[
                    113.8575,
                    122.961,
                    125.307,
                ],
                fill_std=[
                    51.255,
                    50.847,
                    51.5865,
                ],
                max_area_ratio=0.3333333333333333,
                min_area_ratio=0.02,
                mode='rand',
                type='RandomErasing'),
            dict(type='PackInputs'),
        ],
        type='ClassFolderDataset'),
    num_workers=7,
    persistent_workers=True,
    sampler=dict(num_repeats=3, shuffle=True, type='RepeatAugSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(crop_size=32, padding=4, padding_mode='reflect', type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(
        hparams=dict(interpolation='bicubic', pad_val=[
            114,
            123,
            125,
        ]),
        magnitude_level=9,
        magnitude_std=0.5,
        num_policies=2,
        policies='timm_increasing',
        total_level=10,
        type='RandAugment'),
    dict(
        erase_prob=0.25,
        fill_color=[
            113.8575,
            122.961,
            125.307,
        ],
        fill_std=[
            51.255,
            50.847,
            51.5865,
        ],
        max_area_ratio=0.3333333333333333,
        min_area_ratio=0.02,
        mode='rand',
        type='RandomErasing'),
    dict(type='PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=1000,
    collate_fn=dict(type='stack_collate'),
    dataset=dict(
        classes=(
            'airplane',
            'automobile',
            'bird',
            'cat',
            'deer',
            'dog',
            'frog',
            'horse',
            'ship',
            'truck',
        ),
        data_prefix='test',
        data_root='data/cifar10',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='PackInputs'),
        ],
        type='ClassFolderDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    type='UniversalVisualizer', vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = '/tmp/runs/cifar10_t2t-vit-12-life'
