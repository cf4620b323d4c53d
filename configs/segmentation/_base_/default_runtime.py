# Runtime shared by every mmlife segmentation config (mmseg scope), as mmseg's default_runtime.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmlife.seg', 'mmlife.models', 'mmlife.engine'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)

tta_model = dict(type='SegTTAModel')
