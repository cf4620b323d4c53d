# The Table 3 model (DeiT-T, random init, linear head) on CamVid, a small real dataset:
# 11 classes, 352x480 crops, SETR's recipe on 1 GPU x 8 images for 10k iterations,
# whole-image evaluation at the native 480x360.
_base_ = [
    '../_base_/models/linear_deit-tiny_p16.py',
    '../_base_/datasets/camvid_352x480.py',
    '../_base_/schedules/setr_sgd-poly_80k.py',
    '../_base_/default_runtime.py',
]
crop_size = (352, 480)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(img_size=crop_size, use_life=False),
    decode_head=dict(num_classes=11),
    test_cfg=dict(mode='whole'))

param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=10000, by_epoch=False)
]
train_cfg = dict(max_iters=10000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
