# ImageNet-100 (the 100 classes of CMC, Tian et al. 2019) as an image folder:
# data/imagenet100/{train,val}/<wnid>/*.JPEG, made from an ImageNet-1k tree with symlinks by
# tools/dataset_converters/imagenet100.py. DeiT/Swin ImageNet augmentation at 224x224.
# ClassFolderDataset (mmlife.datasets): val labels follow the train split's folders by name, and
# a split whose folders differ from the classes is an error naming them (CustomDataset would
# renumber the classes of each split).
dataset_type = 'ClassFolderDataset'
data_root = 'data/imagenet100'
num_classes = 100
# ImageNet statistics, in RGB 0-255
mean = [123.675, 116.28, 103.53]
std = [58.395, 57.12, 57.375]

# mmpretrain's ClsDataPreprocessor with the single-label batch as one tensor (mmlife.models)
data_preprocessor = dict(
    type='BatchLabelClsDataPreprocessor', num_classes=num_classes, mean=mean, std=std, to_rgb=True)

bgr_mean = mean[::-1]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
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
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix='val', classes_from='train',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
