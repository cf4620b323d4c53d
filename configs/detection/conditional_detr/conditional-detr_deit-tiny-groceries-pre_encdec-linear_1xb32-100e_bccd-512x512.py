# Detection pre-training for BCCD, step 2: the batch-32 BCCD recipe of
# conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-300e_bccd-512x512.py on a 100-epoch
# schedule (lr x0.1 after epoch 66), started from the Groceries detector of
# conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-10e_groceries-320x320.py (train that
# first; load_from is its default work dir). Every weight but the 25-class classifier fits, so
#   python tools/train.py THIS_CONFIG --allow-partial
# (mmpretrain resizes the position embedding from the 20 x 20 grid to 32 x 32; the classifier
# keeps its initialisation for BCCD's 3 classes).
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-300e_bccd-512x512.py'

max_epochs = 100
train_cfg = dict(max_epochs=max_epochs, val_interval=25)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[66],
         gamma=0.1),
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=490),
]
load_from = ('work_dirs/conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-10e_'
             'groceries-320x320/epoch_10.pth')
