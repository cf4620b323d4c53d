# Table 3, DeiT-T, random init: the linear head on Cityscapes with 512x512 crops and SETR's
# recipe (8 GPUs x 1 image, 80k iterations); sliding-window evaluation on the 2048x1024 images.
_base_ = [
    '../_base_/models/linear_deit-tiny_p16.py',
    '../_base_/datasets/cityscapes_512x512.py',
    '../_base_/schedules/setr_sgd-poly_80k.py',
    '../_base_/default_runtime.py',
]
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(img_size=crop_size, use_life=False),
    decode_head=dict(num_classes=19),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
