# CIFAR-100 read as an image folder: data/cifar100/{train,test}/<class>/*.png
# (tools/dataset_converters/cifar100.py writes it from the official python pickles).
# DeiT-style augmentation at the native 32x32, as cifar10_bs64_folder.py.
# ClassFolderDataset (mmlife.datasets): labels follow `classes` by folder name, and a split whose
# folders differ from the classes is an error naming them (CustomDataset would renumber).
dataset_type = 'ClassFolderDataset'
classes = (
    'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle',
    'bottle', 'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle',
    'caterpillar', 'cattle', 'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch',
    'crab', 'crocodile', 'cup', 'dinosaur', 'dolphin', 'elephant', 'flatfish', 'forest', 'fox',
    'girl', 'hamster', 'house', 'kangaroo', 'keyboard', 'lamp', 'lawn_mower', 'leopard', 'lion',
    'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain', 'mouse', 'mushroom',
    'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
    'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road',
    'rocket', 'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake',
    'spider', 'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone',
    'television', 'tiger', 'tractor', 'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale',
    'willow_tree', 'wolf', 'woman', 'worm',
)  # the pickles' `fine_label_names`
data_root = 'data/cifar100'
num_classes = 100
# CIFAR-100 statistics, in RGB 0-255
mean = [129.304, 124.070, 112.434]
std = [68.170, 65.392, 70.418]

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
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
