"""DETR encoder/decoder layers whose attentions are :class:`LIFEMultiheadAttention`.

The stock mmdet classes hard-code mmcv's ``MultiheadAttention`` in ``_init_layers``; these
subclasses override ``_init_layers``, and ``forward`` only for the encoder's optional pre-norm
layers (DETR's ``normalize_before``; the default post-norm runs mmdet's ``forward``). The
encoder's ``forward`` passes its ``**kwargs`` down to every layer and on to the self-attention,
which is how ``hw_shape`` reaches LIFE (see :class:`mmlife.det.models.LIFEDETR`).

The decoder's attentions have no token grid (the self-attention runs over the object queries,
and the queries of the cross-attention are object queries too), so they accept ``'none'`` or
``'linear'`` only. A LIFE without a grid keeps just its point-wise layers, whose composition is
a single linear map: a Linear is the same function with fewer parameters. The EncDec-LIFE
configs therefore use LIFE in the encoder and a Linear in the decoder.
"""
from typing import Optional

from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN
from mmdet.models.layers import (DetrTransformerDecoder, DetrTransformerDecoderLayer,
                                 DetrTransformerEncoder, DetrTransformerEncoderLayer)
from mmdet.registry import MODELS
from mmengine.model import ModuleList
from torch import Tensor, nn

from .qkv_attention import LIFEMultiheadAttention


def _check_no_checkpointing(num_cp):
    if num_cp > 0:
        raise ValueError(f'num_cp={num_cp}: activation checkpointing (fairscale) is not '
                         'supported by the LIFE DETR layers; use num_cp=-1')


@MODELS.register_module()
class LIFEDetrTransformerEncoderLayer(DetrTransformerEncoderLayer):
    """``DetrTransformerEncoderLayer`` with a :class:`LIFEMultiheadAttention` self-attention.

    ``self_attn_cfg`` takes the arguments of :class:`LIFEMultiheadAttention`
    (``qkv_proj='none' | 'linear' | 'life'``, ``attn_drop``, ``proj_drop``, ...).

    Args:
        pre_norm (bool): normalise the input of the attention and of the FFN and keep the
            residual stream un-normalised (DETR's ``normalize_before`` option), instead of
            mmdet's post-norm ``x = norm(x + f(x))``. The encoder then ends with one more norm
            (:class:`LIFEDetrTransformerEncoder`). Default: False (mmdet's layer).
        Other arguments are those of ``DetrTransformerEncoderLayer``.
    """

    def __init__(self, *args, pre_norm: bool = False, **kwargs) -> None:
        self.pre_norm = pre_norm
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        self.self_attn = LIFEMultiheadAttention(**self.self_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = ModuleList(
            build_norm_layer(self.norm_cfg, self.embed_dims)[1] for _ in range(2))

    def forward(self, query: Tensor, query_pos: Tensor, key_padding_mask: Tensor,
                **kwargs) -> Tensor:
        if not self.pre_norm:
            return super().forward(query, query_pos, key_padding_mask, **kwargs)
        x = self.norms[0](query)
        query = self.self_attn(query=x, key=x, value=x, identity=query, query_pos=query_pos,
                               key_pos=query_pos, key_padding_mask=key_padding_mask, **kwargs)
        return self.ffn(self.norms[1](query), identity=query)


@MODELS.register_module()
class LIFEDetrTransformerDecoderLayer(DetrTransformerDecoderLayer):
    """``DetrTransformerDecoderLayer`` with :class:`LIFEMultiheadAttention` attentions.

    ``self_attn_cfg`` and ``cross_attn_cfg`` take ``qkv_proj='none'`` or ``'linear'``: object
    queries have no grid for LIFE (see the module docstring).
    """

    def _init_layers(self) -> None:
        for name, cfg in (('self_attn_cfg', self.self_attn_cfg),
                          ('cross_attn_cfg', self.cross_attn_cfg)):
            if cfg.get('qkv_proj', 'linear') == 'life':
                raise ValueError(
                    f"{name}.qkv_proj='life' is not supported in the DETR decoder: its queries "
                    "are object queries with no H x W grid; use 'linear' (a grid-less LIFE is "
                    "a composition of linear maps) or 'none'")
        self.self_attn = LIFEMultiheadAttention(**self.self_attn_cfg)
        self.cross_attn = LIFEMultiheadAttention(**self.cross_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = ModuleList(
            build_norm_layer(self.norm_cfg, self.embed_dims)[1] for _ in range(3))


@MODELS.register_module()
class LIFEDetrTransformerEncoder(DetrTransformerEncoder):
    """``DetrTransformerEncoder`` made of :class:`LIFEDetrTransformerEncoderLayer`.

    With ``layer_cfg.pre_norm=True`` the last layer's output goes through one more norm
    (``final_norm``, built from ``layer_cfg.norm_cfg``), as in DETR's pre-norm encoder.
    """

    def _init_layers(self) -> None:
        _check_no_checkpointing(self.num_cp)
        self.layers = ModuleList(
            LIFEDetrTransformerEncoderLayer(**self.layer_cfg) for _ in range(self.num_layers))
        self.embed_dims = self.layers[0].embed_dims
        self.final_norm: Optional[nn.Module] = None
        if self.layers[0].pre_norm:
            self.final_norm = build_norm_layer(self.layers[0].norm_cfg, self.embed_dims)[1]

    def forward(self, query: Tensor, query_pos: Tensor, key_padding_mask: Tensor,
                **kwargs) -> Tensor:
        query = super().forward(query, query_pos, key_padding_mask, **kwargs)
        return query if self.final_norm is None else self.final_norm(query)


@MODELS.register_module()
class LIFEDetrTransformerDecoder(DetrTransformerDecoder):
    """``DetrTransformerDecoder`` made of :class:`LIFEDetrTransformerDecoderLayer`."""

    def _init_layers(self) -> None:
        self.layers = ModuleList(
            LIFEDetrTransformerDecoderLayer(**self.layer_cfg) for _ in range(self.num_layers))
        self.embed_dims = self.layers[0].embed_dims
        self.post_norm = build_norm_layer(self.post_norm_cfg, self.embed_dims)[1]
