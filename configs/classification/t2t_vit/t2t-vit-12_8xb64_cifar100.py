# T2T-ViT-12 on CIFAR-100 at 32x32 ('small' soft splits: 8x8 tokens), DeiT recipe, 300 epochs, 512
# images per step.
_base_ = [
    '../_base_/models/t2t-vit-12_32px.py',
    '../_base_/datasets/cifar100_bs64_folder.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=100))
