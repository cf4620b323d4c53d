# DETR with a DeiT-T backbone (random init);
# Pascal VOC 07+12 trainval -> VOC 2007 test; 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = [
    '../_base_/models/detr_deit-tiny_p16_encdec.py',
    '../_base_/datasets/voc0712_512x512.py',
    '../_base_/schedules/detr_adamw.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=20))

# 150 epochs of VOC 07+12 trainval (16551 images, batch 8 x 2), lr x0.1 after epoch 100
max_epochs = 150
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[100],
         gamma=0.1)
]
