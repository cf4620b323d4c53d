# CamVid, SegNet layout (mmlife.seg.CamVidDataset): data/CamVid/{train,val,test}/*.jpg and
# {train,val,test}annot/*.png, ids 0-10, 11 = void (ignored). 480x360 images. Training crops of
# 352x480 (a multiple of the 16-pixel patch) after random rescaling around the native size;
# evaluation on whole images at native size, `val` during training, `test` for tools/test.py.
# Unpack: mkdir -p data && tar -xJf camvid_segnet.tar.xz -C data --strip-components=1
dataset_type = 'CamVidDataset'
data_root = 'data/CamVid/'
crop_size = (352, 480)
# CheckSegLabels (mmlife.seg): fails, naming the file, on RGB, wrongly sized or out-of-range labels
check_labels = dict(type='CheckSegLabels', num_classes=11)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    check_labels,
    dict(type='RandomResize', scale=(480, 360), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(480, 360), keep_ratio=True),
    # ground truth is loaded after Resize: it is compared at its original size
    dict(type='LoadAnnotations'),
    check_labels,
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train', seg_map_path='trainannot'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='test', seg_map_path='testannot'),
        pipeline=test_pipeline))

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
