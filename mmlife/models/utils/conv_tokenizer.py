"""A convolutional tokenizer for the ViT backbones: convolutions and max-pooling instead of one
patch-sized convolution, as in Compact Convolutional Transformers (Hassani et al., 2021)."""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class ConvTokenizer(BaseModule):
    """Tokens from ``len(channels) + 1`` stages of [conv k x k, stride 1 -> activation -> 3 x 3
    max-pool, stride 2]: the grid is the input's size halved once per stage (rounded up).

    A drop-in for a ViT's patch embedding (``LIFEVisionTransformer(tokenizer=...)``): it returns
    ``(tokens, (H, W))`` and has mmcv ``PatchEmbed``'s ``init_input_size`` (``img_size``) and
    ``init_out_size`` (the grid of an ``img_size`` input). Two stages
    give 32 x 32 images the 8 x 8 grid of 4 x 4 patches.

    Args:
        in_channels (int): image channels. Defaults to 3.
        embed_dims (int): token width, the last stage's channels. Defaults to 192.
        channels (Sequence[int]): the channels of the stages before the last. Defaults to
            ``(64, )`` (CCT's two-stage tokenizer).
        kernel_size (int): the convolutions' kernel. Defaults to 3.
        img_size (int | tuple): the input size ``init_out_size`` is given for. Defaults to 32.
        norm_cfg (dict, optional): a norm after each convolution (CCT has none).
        act_cfg (dict): the activation. Defaults to ReLU.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 embed_dims: int = 192,
                 channels: Sequence[int] = (64, ),
                 kernel_size: int = 3,
                 img_size=32,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd and positive, got {kernel_size}')
        widths = [in_channels, *channels, embed_dims]
        if any(int(w) < 1 for w in widths):
            raise ValueError(f'channels must be positive, got {list(channels)} -> {embed_dims}')
        self.embed_dims = embed_dims
        stages = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            stages += [ConvModule(c_in, c_out, kernel_size, padding=kernel_size // 2,
                                  bias=norm_cfg is None, norm_cfg=norm_cfg, act_cfg=act_cfg),
                       nn.MaxPool2d(3, stride=2, padding=1)]
        self.stages = nn.Sequential(*stages)
        self.num_stages = len(widths) - 1
        size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.init_input_size = size
        self.init_out_size = self.out_size(size)

    def out_size(self, size: Sequence[int]) -> Tuple[int, int]:
        """The token grid of an input of ``size`` (H, W)."""
        return tuple(math.ceil(s / 2**self.num_stages) for s in size)

    def forward(self, x: torch.Tensor):
        """``(B, C, H, W)`` images -> ``(B, h * w, embed_dims)`` tokens and ``(h, w)``."""
        x = self.stages(x)
        return x.flatten(2).transpose(1, 2), tuple(x.shape[2:])
