"""DeiT with LIFE: mmpretrain's (Distilled)VisionTransformer with LIFE making Q, K, V."""
from typing import Optional

import torch.nn as nn
from mmpretrain.models.backbones import DistilledVisionTransformer, VisionTransformer
from mmpretrain.registry import MODELS

from .life_mixin import LIFEMixin


class _ViTLIFE(LIFEMixin):
    """``__init__`` shared by the ViT-family LIFE backbones below (put first in the bases)."""

    def __init__(self, arch='deit-base', *args, use_life: bool = True,
                 life_cfg: Optional[dict] = None, tokenizer: Optional[dict] = None, **kwargs):
        if isinstance(arch, str) and arch.lower() not in self.arch_zoo:
            raise ValueError(f'Unknown arch {arch!r} for {type(self).__name__}; choose one of '
                             f'{sorted(self.arch_zoo)} or pass a dict')
        super().__init__(arch, *args, **kwargs)
        if tokenizer is not None:
            self.patch_embed = self._build_tokenizer(tokenizer)
        self.python_float_drop_paths()
        self.use_life = use_life
        if use_life:
            self.install_life([layer.attn for layer in self.layers], self.patch_embed,
                              self.num_extra_tokens, life_cfg)

    def _build_tokenizer(self, cfg: dict) -> nn.Module:
        """The module that replaces the stock patch embedding, with the stock one's input
        channels and size by default; its grid must be the patches' grid, which the position
        embedding was made for."""
        stock = self.patch_embed
        cfg = dict(cfg)
        cfg.setdefault('embed_dims', self.embed_dims)
        cfg.setdefault('in_channels', stock.projection.in_channels)
        h, w = stock.init_input_size
        cfg.setdefault('img_size', h if h == w else (h, w))
        tokenizer = MODELS.build(cfg)
        if tuple(tokenizer.init_out_size) != tuple(stock.init_out_size):
            raise ValueError(
                f'tokenizer {cfg["type"]} makes a {tuple(tokenizer.init_out_size)} grid of '
                f'img_size {cfg["img_size"]}, but patch_size {stock.projection.kernel_size[0]} '
                f'gives the position embedding a {tuple(stock.init_out_size)} grid: set '
                "patch_size to the tokenizer's stride")
        return tokenizer


@MODELS.register_module()
class LIFEVisionTransformer(_ViTLIFE, VisionTransformer):
    """mmpretrain's ``VisionTransformer`` (DeiT) with LIFE in place of each block's QKV Linear.

    Everything else (patch embedding, position embedding, blocks, outputs, arches such as
    ``deit-tiny``, ``deit-small``, ``deit-base``) is the stock class, so DeiT and DeiT-LIFE
    configs differ only in ``use_life``. Attention uses ``F.scaled_dot_product_attention``.

    Args:
        use_life (bool): replace the QKV Linear by LIFE. Defaults to True.
        life_cfg (dict, optional): extra arguments of :class:`mmlife.models.LIFE`, e.g.
            ``dict(kernel_sizes=(1, 3, 5))``. ``bias`` follows ``qkv_bias`` unless given.
        tokenizer (dict, optional): a module built from ``MODELS`` that replaces the patch
            embedding, e.g. ``dict(type='ConvTokenizer')`` (:class:`mmlife.models.ConvTokenizer`);
            its ``embed_dims``, ``in_channels`` and ``img_size`` default to the backbone's, and
            its grid must be that of ``patch_size`` (4 for two stages). Defaults to None (the
            stock patch embedding).
        *args, **kwargs: as ``mmpretrain.models.VisionTransformer``.
    """


@MODELS.register_module()
class LIFEDistilledVisionTransformer(_ViTLIFE, DistilledVisionTransformer):
    """DeiT with a distillation token (2 extra tokens, cls + dist) and LIFE.

    Arguments as :class:`LIFEVisionTransformer`.
    """
