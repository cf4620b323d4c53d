# BCCD blood cells (RBC, WBC, Platelets; 640 x 480; github.com/Shenggan/BCCD_Dataset, MIT) in
# the Pascal VOC layout under data/BCCD/ (Annotations/, JPEGImages/, ImageSets/Main/*.txt).
# train (205 images) -> val (87) during training; test (72) for the final numbers.
# Images resized to 512 x 512; cells have no up/down, so flips are horizontal and vertical.
# mmdet's VOCDataset with BCCD's classes, its boxes validated as read (CheckedVOCDataset: clip
# boxes outside the image, drop empty ones, with a warning naming the files). No VOC year is
# needed (a data_prefix without 'VOC2007'/'VOC2012' gives dataset_type None, so VOCMetric takes
# the class names from metainfo and uses eval_mode='area'); sub_data_root='' joins every path
# with data_root.
dataset_type = 'CheckedVOCDataset'
data_root = 'data/BCCD/'
metainfo = dict(
    classes=('RBC', 'WBC', 'Platelets'),
    palette=[(220, 20, 60), (0, 0, 230), (0, 182, 199)])
backend_args = None
img_scale = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=[0.25, 0.25], direction=['horizontal', 'vertical']),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    # every image is resized to one size: the worker stacks the batch into one tensor, so the
    # data preprocessor copies and normalises it at once instead of image by image
    # (mmlife.datasets.stack_collate: mmengine's default_collate, checking the sizes)
    collate_fn=dict(type='stack_collate'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        metainfo=metainfo,
        data_root=data_root,
        ann_file='ImageSets/Main/train.txt',
        data_prefix=dict(sub_data_root=''),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        metainfo=metainfo,
        data_root=data_root,
        ann_file='ImageSets/Main/val.txt',
        data_prefix=dict(sub_data_root=''),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        metainfo=metainfo,
        data_root=data_root,
        ann_file='ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root=''),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))

# mAP (area under the PR curve at IoU 0.5), detection F1 (IoU 0.5, score >= 0.5), and the
# spread of the predicted boxes (it warns when DETR's queries collapse to one box)
val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='area'),
    dict(type='DetF1Metric', iou_thr=0.5, score_thr=0.5),
    dict(type='DetBoxSpreadMetric'),  # distinct boxes an image: 1 = collapsed object queries
]
test_evaluator = val_evaluator
