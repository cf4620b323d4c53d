# The DETR recipe: AdamW lr 1e-4 (backbone x0.1), weight decay 1e-4, grad-norm clip 0.1, one
# step decay (x0.1). Dataset configs set max_epochs, the decay epoch and the validation interval.
optim_wrapper = dict(
    type='OptimWrapper',
    # one optimizer group per distinct setting instead of one per parameter (same updates)
    constructor='MergedGroupsOptimWrapperConstructor',
    # fused: one kernel for all parameters, no host read of every parameter's step count, and
    # under fp16 AMP (`--amp`) no host sync for the GradScaler's overflow check
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4, fused=True),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=1.0)}))

max_epochs = 150
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[100],
         gamma=0.1)
]

# lr 1e-4 is for a total batch of 16 (8 GPUs x 2); `--auto-scale-lr` rescales it.
auto_scale_lr = dict(enable=False, base_batch_size=16)
