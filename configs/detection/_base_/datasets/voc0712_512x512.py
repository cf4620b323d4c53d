# Pascal VOC 07+12 trainval -> VOC 2007 test (standard mmdet layout under data/VOCdevkit/),
# images resized to 512 x 512 (no aspect ratio kept, so every batch is 512 x 512).
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/'
backend_args = None
img_scale = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    # after Resize, so that the ground truth boxes keep the original scale
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
_voc_trainval = dict(
    type=dataset_type,
    data_root=data_root,
    filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
    pipeline=train_pipeline,
    backend_args=backend_args)
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    # every image is resized to one size: the worker stacks the batch into one tensor, so the
    # data preprocessor copies and normalises it at once instead of image by image
    # (mmlife.datasets.stack_collate: mmengine's default_collate, checking the sizes)
    collate_fn=dict(type='stack_collate'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type='ConcatDataset',
        # VOCDataset sets a different `dataset_type` per year in its metainfo
        ignore_keys=['dataset_type'],
        datasets=[
            dict(**_voc_trainval, ann_file='VOC2007/ImageSets/Main/trainval.txt',
                 data_prefix=dict(sub_data_root='VOC2007/')),
            dict(**_voc_trainval, ann_file='VOC2012/ImageSets/Main/trainval.txt',
                 data_prefix=dict(sub_data_root='VOC2012/')),
        ]))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

# VOC2007 test: mAP with the 11-point AP of VOC 2007, detection F1 (IoU 0.5, score >= 0.5),
# and the spread of the predicted boxes (it warns when DETR's queries collapse to one box)
val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(type='DetF1Metric', iou_thr=0.5, score_thr=0.5),
    dict(type='DetBoxSpreadMetric'),  # distinct boxes an image: 1 = collapsed object queries
]
test_evaluator = val_evaluator
