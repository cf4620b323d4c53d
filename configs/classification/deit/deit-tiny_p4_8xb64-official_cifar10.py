# DeiT-Tiny on CIFAR-10 with the official LIFE code's recipe: the DeiT recipe of
# deit-tiny_p4_8xb64_cifar10.py (AdamW, 300 epochs, RandAugment m9 mstd 0.5, Mixup 0.8 /
# CutMix 1.0, label smoothing 0.1) plus repeated augmentation (3 repeats) and a weight EMA.
_base_ = [
    '../_base_/models/deit-tiny_p4_32px.py',
    '../_base_/datasets/cifar10_bs64_folder_ra3.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime_ema.py',
]
