# DeiT-Tiny on Imagenette at 224x224, patch 16 (14x14 tokens), the DeiT recipe (AdamW, lr 5e-4 per
# 512 images, cosine, Mixup/CutMix, RandAugment, label smoothing) for 100 epochs, 512 images per
# step. Its backbone initialises the *-imagenette-pre detection and segmentation configs:
#   python tools/model_converters/cls2backbone.py CHECKPOINT \
#       pretrain/deit-tiny_imagenette_backbone.pth
_base_ = [
    '../_base_/models/deit-tiny_p4_32px.py',
    '../_base_/datasets/imagenette_bs64_224.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(img_size=224, patch_size=16), head=dict(num_classes=10))

# 100 epochs instead of the recipe's 300 (Imagenette is a tenth of ImageNet-100); the cosine
# decay ends at max_epochs, the 5 warm-up epochs stay.
train_cfg = dict(max_epochs=100, val_interval=5)
