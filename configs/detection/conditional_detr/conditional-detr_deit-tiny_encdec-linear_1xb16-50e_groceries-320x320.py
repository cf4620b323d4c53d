# Conditional DETR with a DeiT-T backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320 (20 x 20 tokens).
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every encoder attention (the Conditional
# DETR decoder projects its own).
_base_ = [
    '../_base_/models/conditional-detr_deit-tiny_p16_encdec.py',
    '../_base_/datasets/groceries_320x320.py',
    '../_base_/schedules/detr_adamw.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(img_size=320),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='linear'))),
    bbox_head=dict(num_classes=25))

# Budget: 50 epochs at 1 GPU x 16 (245 iterations an epoch, 12k in all), a third of the DETR
# configs' 150 (Conditional DETR's paper trains 50 epochs where DETR needs 500); lr 1e-4 for a
# total batch of 16 (`--auto-scale-lr` rescales it), x0.1 after epoch 33 (two thirds).
max_epochs = 50
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[33],
         gamma=0.1),
    # linear warm-up over the first 2 epochs (490 iterations) of a randomly initialised model
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=490),
]
auto_scale_lr = dict(base_batch_size=16)

# Random init: the backbone learns at the full lr (as the DETR Groceries configs); the
# *-imagenette-pre configs set DETR's x0.1 again.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
