# The embedded demo (`make demo`): DeiT-Tiny on the 32x32 digits folder with a short CPU schedule.
# The digits are 8x8 scans upsampled to 32x32, so 8x8 patches (a 4x4 token grid, one patch per
# 2x2 original pixels) lose nothing and keep the demo within minutes on 2 CPU cores.
_base_ = [
    '../_base_/models/deit-tiny_p4_32px.py',
    '../_base_/datasets/digits_bs32_folder.py',
    '../_base_/schedules/deit_adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

max_epochs = 15
model = dict(
    backbone=dict(patch_size=8, drop_path_rate=0.0),
    train_cfg=None,  # no Mixup/CutMix for a short run
)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=1, end=max_epochs),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=15),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
