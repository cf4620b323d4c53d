# Conditional DETR with a DeiT-T backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny_p16_8xb64_imagenette.py;
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every encoder attention (the Conditional
# DETR decoder projects its own). The backbone weights are read from a local file made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny_imagenette_backbone.pth
# (another path: --cfg-options model.backbone.init_cfg.checkpoint=PATH). The 14 x 14 position
# embedding is resized to the 32 x 32 grid when loading.
_base_ = [
    '../_base_/models/conditional-detr_deit-tiny_p16_encdec.py',
    '../_base_/datasets/bccd_512x512.py',
    '../_base_/schedules/detr_adamw.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained',
            checkpoint='pretrain/deit-tiny_imagenette_backbone.pth', prefix='backbone.')),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='linear'))),
    bbox_head=dict(num_classes=3))

# 100 epochs of BCCD train (205 images, 1 GPU x 4), lr x0.1 after epoch 66: a third of the DETR
# configs' 300 (Conditional DETR's paper trains 50 epochs where DETR needs 500)
max_epochs = 100
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[66],
         gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
