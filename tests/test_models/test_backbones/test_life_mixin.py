"""LIFEMixin.install_life: the one way mmlife's backbones give LIFE its token grid."""
import copy

import pytest
import torch
import torch.nn as nn

from mmlife.models import GridQKV
from mmlife.models.backbones.life_mixin import LIFEMixin


class TokenMaker(nn.Module):
    """Returns ``(tokens, (H, W))`` like a patch embedding (patch 2, width 6)."""

    def forward(self, x):
        B, C, H, W = x.shape
        return x.new_zeros(B, H // 2 * W // 2, 6), (H // 2, W // 2)


class Attn(nn.Module):
    def __init__(self, window=None):
        super().__init__()
        self.qkv = nn.Linear(6, 18)
        self.window_size = window


class Backbone(LIFEMixin, nn.Module):
    def __init__(self, grid, windows=(None, None)):
        super().__init__()
        self.embed = TokenMaker()
        self.attns = nn.ModuleList(Attn(w) for w in windows)
        self.install_life(self.attns, self.embed if grid == 'embed' else grid, 1)

    def forward(self, x):
        tokens, _ = self.embed(x)
        tokens = torch.cat([tokens.new_zeros(tokens.shape[0], 1, 6), tokens], 1)
        return [attn.qkv(tokens) for attn in self.attns]


def test_grid_from_the_token_maker_follows_every_input():
    model = Backbone('embed')
    assert all(isinstance(a.qkv, GridQKV) and a.qkv.hw_shape is None for a in model.attns)
    assert [o.shape for o in model(torch.zeros(2, 3, 8, 12))] == [(2, 1 + 4 * 6, 18)] * 2
    assert all(a.qkv.hw_shape == (4, 6) for a in model.attns)
    clone = copy.deepcopy(model)  # the copy's hook updates the copy only
    clone(torch.zeros(1, 3, 4, 4))
    assert clone.attns[0].qkv.hw_shape == (2, 2) and model.attns[0].qkv.hw_shape == (4, 6)


def test_fixed_grid_per_attention():
    model = Backbone(lambda attn: attn.window_size, windows=[(2, 3), (4, 4)])
    assert [a.qkv.hw_shape for a in model.attns] == [(2, 3), (4, 4)]
    assert all(a.qkv.num_extra_tokens == 1 for a in model.attns)


def test_bad_grid_and_bad_attention():
    with pytest.raises(TypeError, match='grid must be the token-making module'):
        Backbone((4, 4))
    attn = Attn()
    attn.qkv = nn.Linear(6, 12)
    with pytest.raises(ValueError, match='input and Q/K/V widths match'):
        LIFEMixin().install_life([attn], lambda a: (2, 2), 0)
