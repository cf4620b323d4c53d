"""An optimizer-wrapper constructor that gives the optimizer one group per distinct setting.

mmengine's ``DefaultOptimWrapperConstructor`` turns a ``paramwise_cfg`` (no weight decay on norms,
biases, tokens; a smaller lr for a backbone) into **one parameter group per parameter**: 152 groups
for DeiT-T. PyTorch's optimizers loop over groups in Python and launch their (foreach) kernels once
per group, so a training step then spends most of the optimizer's time on host overhead and
hundreds of tiny kernel launches. This constructor builds exactly the same groups and then merges
those whose settings are equal (same lr, weight decay, ... : every key but ``params``), keeping
the parameters' order. Adam(W), SGD and the other element-wise optimizers compute the same update
for a parameter whatever group it sits in, so training is unchanged, step for step (tested).

Use it by naming it in the config::

    optim_wrapper = dict(constructor='MergedGroupsOptimWrapperConstructor',
                         optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
                         paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))

Optimizer states saved with the per-parameter groups do not load into the merged groups (the group
count differs): resume such a checkpoint with ``constructor='DefaultOptimWrapperConstructor'``.
"""
from typing import Dict, List

from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS


def merge_param_groups(groups: List[Dict]) -> List[Dict]:
    """Merge parameter groups whose settings (every key but ``params``) are equal.

    The merged groups keep the order of first appearance, and each keeps its parameters in their
    original order.
    """
    merged: Dict[tuple, Dict] = {}
    for group in groups:
        settings = {k: v for k, v in group.items() if k != 'params'}
        key = tuple(sorted((k, repr(v)) for k, v in settings.items()))
        if key not in merged:
            merged[key] = dict(settings, params=[])
        merged[key]['params'].extend(group['params'])
    return list(merged.values())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MergedGroupsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` with equal parameter groups merged (see module doc)."""

    def add_params(self, params: List[Dict], module, prefix: str = '', **kwargs) -> None:
        super().add_params(params, module, prefix=prefix, **kwargs)
        if prefix == '':  # the outermost call: every parameter has its group now
            params[:] = merge_param_groups(params)
