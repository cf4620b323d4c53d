"""ConvTokenizer against plain torch layers, and as the patch embedding of the DeiT backbones."""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

from mmlife.models import ConvTokenizer, GridQKV


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmpretrain')


def reference(tok, x):
    """The same stages written with torch.nn layers and the tokenizer's weights."""
    layers = []
    for stage in tok.stages:
        if isinstance(stage, nn.MaxPool2d):
            layers.append(nn.MaxPool2d(3, 2, 1))
            continue
        conv = stage.conv
        ref = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                        padding=conv.padding, bias=True)
        ref.load_state_dict(conv.state_dict())
        layers += [ref, nn.ReLU()]
    y = nn.Sequential(*layers)(x)
    return y.flatten(2).transpose(1, 2), tuple(y.shape[2:])


@pytest.mark.parametrize('size, grid', [((32, 32), (8, 8)), ((33, 20), (9, 5)), ((7, 7), (2, 2))])
def test_tokens_and_grid_match_torch_layers(size, grid):
    torch.manual_seed(0)
    tok = ConvTokenizer(embed_dims=12, channels=(5, ), img_size=size)
    x = torch.randn(2, 3, *size)
    tokens, hw = tok(x)
    ref_tokens, ref_hw = reference(tok, x)
    assert hw == ref_hw == grid == tok.out_size(size) == tok.init_out_size
    assert tok.init_input_size == size
    assert tokens.shape == (2, grid[0] * grid[1], 12)
    torch.testing.assert_close(tokens, ref_tokens)


def test_stages_set_the_stride():
    assert ConvTokenizer(channels=(), img_size=32).init_out_size == (16, 16)
    assert ConvTokenizer(channels=(16, 32), img_size=32).init_out_size == (4, 4)


@pytest.mark.parametrize('kwargs, match', [
    (dict(kernel_size=4), 'kernel_size must be odd'),
    (dict(channels=(0, )), 'channels must be positive'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvTokenizer(**kwargs)


@pytest.mark.parametrize('use_life', [False, True])
def test_backbone_uses_it_and_life_gets_its_grid(use_life):
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='LIFEVisionTransformer', arch='deit-tiny', img_size=32,
                                 patch_size=4, use_life=use_life,
                                 tokenizer=dict(type='ConvTokenizer', channels=(8, ))))
    assert isinstance(backbone.patch_embed, ConvTokenizer)
    assert backbone.patch_embed.embed_dims == 192
    # a larger image: more tokens, the position embedding resized, LIFE on the new grid
    out = backbone(torch.randn(2, 3, 64, 64))[-1]
    assert out.shape == (2, 192)
    grids = {m.hw_shape for m in backbone.modules() if isinstance(m, GridQKV)}
    assert grids == ({(16, 16)} if use_life else set())
    out.sum().backward()
    assert backbone.patch_embed.stages[0].conv.weight.grad.abs().sum() > 0


def test_backbone_refuses_a_grid_the_position_embedding_does_not_have():
    from mmpretrain.registry import MODELS
    with pytest.raises(ValueError, match=r'makes a \(8, 8\) grid of img_size 32, but patch_size '
                       r'2 gives the position embedding a \(16, 16\) grid'):
        MODELS.build(dict(type='LIFEVisionTransformer', arch='deit-tiny', img_size=32,
                          patch_size=2, tokenizer=dict(type='ConvTokenizer')))
