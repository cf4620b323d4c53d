# Tiny-ImageNet (200 classes, 64x64) as an image folder: data/tiny-imagenet/{train,val}/<wnid>/
# (tools/dataset_converters/tiny_imagenet.py labels the val split from val_annotations.txt).
# DeiT-style augmentation at the native 64x64: crop with padding, flip, RandAugment, erasing.
# ClassFolderDataset (mmlife.datasets): val labels follow the train split's folders by name, and
# a split whose folders differ from the classes is an error naming them (CustomDataset would
# renumber the classes of each split).
dataset_type = 'ClassFolderDataset'
data_root = 'data/tiny-imagenet'
num_classes = 200
# ImageNet statistics, in RGB 0-255
mean = [123.675, 116.28, 103.53]
std = [58.395, 57.12, 57.375]

# mmpretrain's ClsDataPreprocessor with the single-label batch as one tensor (mmlife.models)
data_preprocessor = dict(
    type='BatchLabelClsDataPreprocessor', num_classes=num_classes, mean=mean, std=std, to_rgb=True)

bgr_mean = mean[::-1]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=64, padding=8, padding_mode='reflect'),
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
        type=dataset_type, data_root=data_root, data_prefix='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    collate_fn=collate_fn,
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix='val', classes_from='train',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
