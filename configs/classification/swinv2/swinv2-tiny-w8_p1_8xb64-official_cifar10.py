# SwinV2-T on CIFAR-10 with the official LIFE code's recipe: swinv2-tiny-w8_p1_8xb64_cifar10.py
# (the DeiT recipe) plus repeated augmentation (3 repeats) and a weight EMA, as the DeiT official
# configs add them.
_base_ = [
    '../_base_/models/swinv2-tiny-w8_p1_32px.py',
    '../_base_/datasets/cifar10_bs64_folder_ra3.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime_ema.py',
]
