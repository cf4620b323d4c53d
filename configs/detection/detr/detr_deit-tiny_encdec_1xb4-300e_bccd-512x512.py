# DETR with a DeiT-T backbone (random init);
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = [
    '../_base_/models/detr_deit-tiny_p16_encdec.py',
    '../_base_/datasets/bccd_512x512.py',
    '../_base_/schedules/detr_adamw.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=3))

# 300 epochs of BCCD train (205 images, 1 GPU x 4), lr x0.1 after epoch 200
max_epochs = 300
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[200],
         gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
