# DeiT-Tiny on ImageNet-1k at 224x224, patch 16 (14x14 tokens), DeiT recipe, 300 epochs, 1024
# images per step.
_base_ = [
    '../_base_/models/deit-tiny_p4_32px.py',
    '../_base_/datasets/imagenet1k_bs64_224.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(img_size=224, patch_size=16), head=dict(num_classes=1000))

# 8 GPUs x 128 = 1024 images per step: the linear rule on the recipe's 5e-4 per 512 images
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(optimizer=dict(lr=5e-4 * 1024 / 512))
auto_scale_lr = dict(base_batch_size=1024)
