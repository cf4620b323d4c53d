# DETR with a DeiT-T backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320 (20 x 20 tokens).
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = [
    '../_base_/models/detr_deit-tiny_p16_encdec.py',
    '../_base_/datasets/groceries_320x320.py',
    '../_base_/schedules/detr_adamw.py', '../_base_/default_runtime.py'
]

model = dict(backbone=dict(img_size=320), bbox_head=dict(num_classes=25))

# Budget: 3,921 training images, 1 GPU x 16 = 245 iterations an epoch; 150 epochs are 37k
# iterations (BCCD's 300 epochs at batch 4 are 15k). lr 1e-4 is DETR's for a total batch of 16,
# so it needs no scaling here (`--auto-scale-lr` rescales it for other batch sizes). lr x0.1
# after epoch 100 (two thirds, as BCCD and DETR's own recipe).
max_epochs = 150
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[100],
         gamma=0.1),
    # linear warm-up over the first 2 epochs (490 iterations) of a randomly initialised model
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=490),
]
auto_scale_lr = dict(base_batch_size=16)

# Random init: the backbone learns at the full lr. DETR's x0.1 (detr_adamw.py) protects a
# pre-trained backbone; a random one would learn 10x slower than the transformer it feeds. The
# BCCD recipe is `--cfg-options optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult=0.1`;
# the *-imagenette-pre configs set 0.1 again.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
