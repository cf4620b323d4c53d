# Detection pre-training for BCCD, step 1: the Imagenette-pre-trained Conditional DETR of
# conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb16-50e_groceries-320x320.py, 10 epochs
# at batch 32 (lr 2e-4, the base config's 1e-4 scaled to the batch; x0.1 after epoch 6). Its last
# checkpoint starts
# conditional-detr_deit-tiny-groceries-pre_encdec-linear_1xb32-100e_bccd-512x512.py.
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb16-50e_groceries-320x320.py'

train_dataloader = dict(batch_size=32, num_workers=4)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[6],
         gamma=0.1),
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=490),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(checkpoint=dict(interval=5))
