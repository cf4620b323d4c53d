# SwinV2-T on CIFAR-10 at 32x32, patch 1, windows 8/8/8/4, DeiT recipe, 300 epochs, 512 images per
# step.
_base_ = [
    '../_base_/models/swinv2-tiny-w8_p1_32px.py',
    '../_base_/datasets/cifar10_bs64_folder.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]
