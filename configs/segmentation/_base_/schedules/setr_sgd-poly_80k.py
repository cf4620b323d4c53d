# SETR's recipe (mmseg configs/setr/*cityscapes*): SGD lr 0.01, momentum 0.9, no weight decay,
# 10x lr for the head, poly decay over 80k iterations, validation and checkpoints every 8k.
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0)
optim_wrapper = dict(
    type='OptimWrapper',
    # one optimizer group per distinct setting instead of one per parameter (same updates)
    constructor='MergedGroupsOptimWrapperConstructor',
    optimizer=optimizer,
    clip_grad=None,
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10.)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=8000,
                    max_keep_ckpts=3, save_best='mIoU'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
# --auto-scale-lr scales lr by (GPUs x batch per GPU) / 8
auto_scale_lr = dict(enable=False, base_batch_size=8)
