# T2T-ViT-12 on Tiny-ImageNet at 64x64 ('small' soft splits: 16x16 tokens), DeiT recipe, 300
# epochs, 512 images per step.
_base_ = [
    '../_base_/models/t2t-vit-12_32px.py',
    '../_base_/datasets/tinyimagenet_bs64_folder.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(img_size=64), head=dict(num_classes=200))
