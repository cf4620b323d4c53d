"""MergedGroupsOptimWrapperConstructor: the same training as mmengine's constructor, fewer groups."""
import copy

import pytest
import torch
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmlife.engine import MergedGroupsOptimWrapperConstructor, merge_param_groups
from conftest import REPO


class Net(nn.Module):
    """Linear layers, a LayerNorm, a bias-free layer and a 'token', like a small ViT."""

    def __init__(self):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, 8))
        self.backbone = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.Linear(8, 8, bias=False))
        self.head = nn.Linear(8, 3)
        self.frozen = nn.Linear(8, 8)
        self.frozen.requires_grad_(False)

    def forward(self, x):
        return self.head(self.backbone(x + self.cls_token[0]))


PARAMWISE = [
    dict(norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0,
         custom_keys={'.cls_token': dict(decay_mult=0.0)}),                    # DeiT's recipe
    dict(custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=1.0)}),         # DETR's recipe
]
OPTIMIZERS = [dict(type='AdamW', lr=1e-2, weight_decay=0.05),
              dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)]


def _train(constructor_cls, optimizer, paramwise, steps=4):
    torch.manual_seed(0)
    model = Net()
    wrapper = constructor_cls(dict(type='OptimWrapper', optimizer=copy.deepcopy(optimizer)),
                              copy.deepcopy(paramwise))(model)
    data = torch.Generator().manual_seed(1)
    for _ in range(steps):
        loss = model(torch.randn(4, 8, generator=data)).square().mean()
        wrapper.update_params(loss)
    return model, wrapper.optimizer


@pytest.mark.parametrize('paramwise', PARAMWISE)
@pytest.mark.parametrize('optimizer', OPTIMIZERS)
def test_same_updates_as_default_constructor(optimizer, paramwise):
    ref_model, ref_opt = _train(DefaultOptimWrapperConstructor, optimizer, paramwise)
    model, opt = _train(MergedGroupsOptimWrapperConstructor, optimizer, paramwise)
    n_params = sum(p.requires_grad for p in ref_model.parameters())
    assert len(ref_opt.param_groups) == n_params  # mmengine: a group per trainable parameter
    assert len(opt.param_groups) < n_params
    for (name, a), b in zip(ref_model.named_parameters(), model.parameters()):
        assert torch.equal(a, b), name


def test_groups_keep_each_parameters_setting():
    model, opt = _train(MergedGroupsOptimWrapperConstructor, OPTIMIZERS[0], PARAMWISE[0], steps=0)
    decay_of = {id(p): g['weight_decay'] for g in opt.param_groups for p in g['params']}
    for name, p in model.named_parameters():
        if not p.requires_grad:  # mmengine leaves frozen parameters out
            assert id(p) not in decay_of
            continue
        no_decay = p.ndim == 1 or 'cls_token' in name
        assert decay_of[id(p)] == (0.0 if no_decay else 0.05), name
    # every parameter once, and the order within a group is the model's order
    flat = [id(p) for g in opt.param_groups for p in g['params']]
    assert sorted(flat) == sorted(id(p) for p in model.parameters() if p.requires_grad)
    order = {id(p): i for i, p in enumerate(model.parameters())}
    for g in opt.param_groups:
        idx = [order[id(p)] for p in g['params']]
        assert idx == sorted(idx)


def test_merge_param_groups_by_hand():
    a, b, c, d = (nn.Parameter(torch.zeros(1)) for _ in range(4))
    groups = [dict(params=[a], lr=0.1), dict(params=[b], lr=0.1, weight_decay=0.0),
              dict(params=[c], lr=0.1), dict(params=[d], weight_decay=0.0, lr=0.1)]
    merged = merge_param_groups(groups)
    assert [[id(p) for p in g['params']] for g in merged] == [[id(a), id(c)], [id(b), id(d)]]
    assert merged[0] == dict(params=merged[0]['params'], lr=0.1)
    assert merged[1]['weight_decay'] == 0.0 and merged[1]['lr'] == 0.1


def test_deit_config_uses_few_groups():
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    from mmlife.models import LIFEVisionTransformer  # noqa: F401  (registers the backbone)

    cfg = Config.fromfile(
        f'{REPO}/configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py')
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    # with weight decay; without (norms, biases); without, by custom key (tokens)
    assert len(wrapper.optimizer.param_groups) == 3
    # mmengine's constructor: one group per parameter, 248 for DeiT-T-LIFE (docs/results.md)
    stock = build_optim_wrapper(model, dict(cfg.optim_wrapper,
                                            constructor='DefaultOptimWrapperConstructor'))
    assert len(stock.optimizer.param_groups) == len(list(model.parameters())) == 248
