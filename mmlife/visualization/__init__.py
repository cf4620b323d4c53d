"""Attention Roll-Out and Dense Attention Roll-Out for mmlife models.

Importing this package never imports mmdet or mmseg (nor matplotlib); the functions that run
models import them when called.
"""
from .attention_recorder import (AttentionRecord, AttentionRecorder, register_attention_handler,
                                 register_functional_sdpa_class, registered_handlers)
from .dense_rollout import (DenseRollout, boxes_to_masks, dense_rollout, grid_to_canvas,
                            masks_to_token_weights)
from .inference import (ClsRolloutResult, DenseRolloutResult, classifier_rollout,
                        det_dense_rollout, init_model, seg_dense_rollout, task_of)
from .rollout import attention_rollout, discard_lowest, fuse_heads, rollout_to_grid

__all__ = [
    'AttentionRecord', 'AttentionRecorder', 'register_attention_handler',
    'register_functional_sdpa_class', 'registered_handlers',
    'attention_rollout', 'fuse_heads', 'discard_lowest', 'rollout_to_grid', 'DenseRollout',
    'dense_rollout', 'masks_to_token_weights', 'grid_to_canvas', 'boxes_to_masks',
    'init_model', 'task_of', 'ClsRolloutResult', 'classifier_rollout', 'DenseRolloutResult',
    'seg_dense_rollout', 'det_dense_rollout'
]
