# The Imagenette-pre-trained Conditional DETR of
# conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb4-100e_bccd-512x512.py with the
# recipe of the Groceries configs, which leave the early loss plateau there: batch 32, lr 2e-4
# (backbone x0.1), a linear warm-up over the first 490 iterations. BCCD's 205 training images
# make 7 iterations an epoch at batch 32, so 300 epochs are 2,100 iterations (about 17 Groceries
# epochs at the same batch); lr x0.1 after epoch 200.
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb4-100e_bccd-512x512.py'

train_dataloader = dict(batch_size=32)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
max_epochs = 300
train_cfg = dict(max_epochs=max_epochs, val_interval=25)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[200],
         gamma=0.1),
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=490),
]
auto_scale_lr = dict(base_batch_size=32)
