# CIFAR-10 read as an image folder: data/cifar10/{train,test}/<class>/*.{png,jpg}
# (the layout of ../shared/data/cifar10_jpeg.tar.xz, or tools/dataset_converters/cifar10.py).
# DeiT-style augmentation at the native 32x32: crop with padding, flip, RandAugment, erasing;
# Mixup/CutMix and label smoothing live in the model config.
# ClassFolderDataset (mmlife.datasets): labels follow `classes` by folder name, and a split whose
# folders differ from the classes is an error naming them (CustomDataset would renumber).
dataset_type = 'ClassFolderDataset'
# in the label order of the official `batches.meta`
classes = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
data_root = 'data/cifar10'
num_classes = 10
# CIFAR-10 statistics, in RGB 0-255
mean = [125.307, 122.961, 113.8575]
std = [51.5865, 50.847, 51.255]

# mmpretrain's ClsDataPreprocessor with the single-label batch as one tensor (mmlife.models)
data_preprocessor = dict(
    type='BatchLabelClsDataPreprocessor', num_classes=num_classes, mean=mean, std=std, to_rgb=True)

bgr_mean = mean[::-1]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4, padding_mode='reflect'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=bgr_mean,
        fill_std=std[::-1]),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]

# Every image of these small datasets has the same size, so the loader stacks each batch into
# one tensor in the worker (`default_collate`): handing hundreds of separate small tensors to
# the main process (`pseudo_collate`) made it wait for data (docs/results.md, CIFAR-10).
# stack_collate: default_collate that names the files when an image has another size
collate_fn = dict(type='stack_collate')

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    collate_fn=collate_fn,
    dataset=dict(
        type=dataset_type, data_root=data_root, classes=classes, data_prefix='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    collate_fn=collate_fn,
    dataset=dict(
        type=dataset_type, data_root=data_root, classes=classes, data_prefix='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
