# scikit-learn's digits (1,797 real 8x8 scans) upsampled to 32x32 RGB, as an image folder:
# data/digits/{train,test}/<digit>/*.png, written by tools/dataset_converters/digits.py.
# Used by the embedded CPU demo (`make demo`). No flips: digits are not mirror-symmetric.
# ClassFolderDataset (mmlife.datasets): labels follow `classes` by folder name, and a split whose
# folders differ from the classes is an error naming them (CustomDataset would renumber).
dataset_type = 'ClassFolderDataset'
classes = tuple(str(d) for d in range(10))  # folders 0-9, one per digit
data_root = 'data/digits'
num_classes = 10
mean = [79.3, 79.3, 79.3]  # of the 32x32 train images
std = [90.7, 90.7, 90.7]

# mmpretrain's ClsDataPreprocessor with the single-label batch as one tensor (mmlife.models)
data_preprocessor = dict(
    type='BatchLabelClsDataPreprocessor', num_classes=num_classes, mean=mean, std=std, to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type, data_root=data_root, classes=classes, data_prefix='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=120,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type, data_root=data_root, classes=classes, data_prefix='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
