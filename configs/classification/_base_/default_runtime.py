# Runtime shared by every mmlife classification config (mmpretrain scope).
default_scope = 'mmpretrain'
# mmlife.datasets: ClassFolderDataset, the image-folder dataset of the small-image bases;
# mmlife.engine: the checkpoint, seed and eager-optimizer-step hooks and the optimizer constructor
custom_imports = dict(imports=['mmlife.models', 'mmlife.datasets', 'mmlife.engine'],
                      allow_failed_imports=False)
# with `compile=True` (torch.compile of the train step) the optimizer step stays eager; a no-op
# otherwise (see mmlife.engine.EagerOptimizerStepHook)
custom_hooks = [dict(type='EagerOptimizerStepHook')]

default_hooks = dict(
    # mmengine's RuntimeInfoHook, handing the losses to the logger without a host sync in
    # every iteration (mmlife.engine)
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    # logs loss, lr, time per iter and the ETA
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook, written crash-safe (mmlife.engine)
    checkpoint=dict(type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    epoch_seed=dict(type='EpochSeedHook'),  # every epoch seeded from (seed, epoch): exact resume
    visualization=dict(type='VisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
