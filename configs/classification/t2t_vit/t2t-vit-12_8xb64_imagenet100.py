# T2T-ViT-12 on ImageNet-100 at 224x224 (stock soft splits: 14x14 tokens), DeiT recipe, 300 epochs,
# 512 images per step.
_base_ = [
    '../_base_/models/t2t-vit-12_32px.py',
    '../_base_/datasets/imagenet100_bs64_224.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(img_size=224, t2t_cfg=dict(soft_splits='imagenet')),
    head=dict(num_classes=100))
