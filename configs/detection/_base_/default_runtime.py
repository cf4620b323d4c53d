# Runtime shared by every mmlife detection config (mmdet scope).
default_scope = 'mmdet'
# mmlife.datasets: stack_collate, the train loaders' collate function
custom_imports = dict(imports=['mmlife.det', 'mmlife.models', 'mmlife.engine', 'mmlife.datasets'],
                      allow_failed_imports=False)

default_hooks = dict(
    # mmengine's RuntimeInfoHook, handing the losses to the logger without a host sync in
    # every iteration (mmlife.engine)
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook, written crash-safe (mmlife.engine)
    checkpoint=dict(type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3,
                    save_best='pascal_voc/mAP', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    epoch_seed=dict(type='EpochSeedHook'),  # every epoch seeded from (seed, epoch): exact resume
    visualization=dict(type='DetVisualizationHook'))
# torch.compile the detector's submodules named in `compile_modules`, in place
# (mmlife.engine.CompileModulesHook; the checkpoints keep their keys). Empty: all eager. On a GPU:
#   --cfg-options "compile_modules=[backbone,encoder,decoder]"
custom_hooks = [dict(type='CompileModulesHook')]
compile_modules = []

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
