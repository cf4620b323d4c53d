auto_scale_lr = dict(base_batch_size=128)
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
    logger=dict(interval=50, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(enable=False, type='VisualizationHook'))
default_scope = 'mmpretrain'
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
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        type='ResNet_CIFAR'),
    head=dict(
        in_channels=512,
        loss=dict(loss_weight=1.0, type='CrossEntropyLoss'),
        num_classes=10,
        type='LinearClsHead'),
    neck=dict(type='GlobalAveragePooling'),
    type='ImageClassifier')
num_classes = 10
optim_wrapper = dict(
    dtype='bfloat16',
    loss_scale='dynamic',
    optimizer=dict(
        lr=0.1, momentum=0.9, nesterov=False, type='SGD', weight_decay=0.0005),
    type='AmpOptimWrapper')
param_scheduler = dict(
    by_epoch=True, gamma=0.2, milestones=[
        60,
        120,
        160,
    ], type='MultiStepLR')
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
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
train_dataloader = dict(
    batch_size=128,
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
            dict(crop_size=32, padding=4, type='RandomCrop'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(type='PackInputs'),
        ],
        type='ClassFolderDataset'),
    num_workers=10,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(crop_size=32, padding=4, type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
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
work_dir = '/tmp/runs/cifar10_resnet18'
