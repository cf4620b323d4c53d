# SwinV2-T on ImageNet-100 at 256x256, patch 4, window 8, DeiT recipe, 300 epochs, 512 images per
# step.
_base_ = [
    '../_base_/models/swinv2-tiny-w8_p1_32px.py',
    '../_base_/datasets/imagenet100_bs64_256.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(img_size=256, patch_size=4, window_size=[8, 8, 8, 8]),
    head=dict(num_classes=100))
