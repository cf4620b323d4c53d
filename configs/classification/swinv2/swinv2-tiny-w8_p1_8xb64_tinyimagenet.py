# SwinV2-T on Tiny-ImageNet at 64x64, patch 1 (stage maps 64/32/16/8), window 8, DeiT recipe, 300
# epochs, 512 images per step.
_base_ = [
    '../_base_/models/swinv2-tiny-w8_p1_32px.py',
    '../_base_/datasets/tinyimagenet_bs64_folder.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(img_size=64, window_size=[8, 8, 8, 8]), head=dict(num_classes=200))
