# DeiT-Tiny on ImageNet-100 at 224x224, patch 16 (14x14 tokens), DeiT recipe, 300 epochs, 512
# images per step.
_base_ = [
    '../_base_/models/deit-tiny_p4_32px.py',
    '../_base_/datasets/imagenet100_bs64_224.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(img_size=224, patch_size=16), head=dict(num_classes=100))
