# Groceries: products on shelves, 25 classes, Pascal VOC layout under data/Groceries/
# ({Annotations,JPEGImages,ImageSets/Main}; train 3,921 / val 517 / test 509 images):
#   mkdir -p data && tar -xJf groceries_voc.tar.xz -C data
# The BCCD base (mmdet's VOCDataset with validated boxes, the classes in `metainfo`; no VOC
# year in the path, so VOCMetric names the classes itself), a larger batch, and its own input
# size and augmentation: train -> val during training; test for the final numbers; VOC mAP@0.5,
# F1 and the box spread as evaluators.
# Every image is 224 x 224; they are resized to 320 x 320 (a 20 x 20 grid of 16-pixel patches;
# the median shorter box side, 71 px at 224, spans about 6). Augmentation as the BCCD base, with
# horizontal flips only (shelves have an up and a down) and, in half of the images, a random crop
# of 60-100 % of each side before the resize (scale jitter as in DETR's recipe), keeping every
# batch 320 x 320.
_base_ = './bccd_512x512.py'

dataset_type = 'CheckedVOCDataset'
data_root = 'data/Groceries/'
img_scale = (320, 320)
metainfo = dict(
    classes=('beans', 'cake', 'candy', 'cereal', 'chips', 'chocolate', 'coffee', 'corn', 'fish',
             'flour', 'honey', 'jam', 'juice', 'milk', 'nuts', 'oil', 'pasta', 'rice', 'soda',
             'spices', 'sugar', 'tea', 'tomato_sauce', 'vinegar', 'water'),
    # one colour a class for the visualiser (VOCDataset's own palette has 20)
    palette=[(220, 20, 60), (119, 11, 32), (0, 0, 142), (0, 0, 230), (106, 0, 228),
             (0, 60, 100), (0, 80, 100), (0, 0, 70), (0, 0, 192), (250, 170, 30),
             (100, 170, 30), (220, 220, 0), (175, 116, 175), (250, 0, 30), (165, 42, 42),
             (255, 77, 255), (0, 226, 252), (182, 182, 255), (0, 82, 0), (120, 166, 157),
             (110, 76, 0), (174, 57, 255), (199, 100, 0), (72, 0, 118), (255, 179, 240)])

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandomApply',
        prob=0.5,
        transforms=[
            dict(type='RandomCrop', crop_type='relative_range', crop_size=(0.6, 0.6),
                 allow_negative_crop=False)
        ]),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),  # after Resize: boxes at the original scale
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
_dataset = dict(type=dataset_type, metainfo=metainfo, data_root=data_root)
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    dataset=dict(
        **_dataset,
        # boxes less than 2 px wide or high (two in the archive, one in train) are ignored
        filter_cfg=dict(filter_empty_gt=True, bbox_min_size=2),
        pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(**_dataset, pipeline=test_pipeline))
test_dataloader = dict(batch_size=8, dataset=dict(**_dataset, pipeline=test_pipeline))
