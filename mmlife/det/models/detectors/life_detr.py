"""DETR and Conditional DETR whose encoder tells its attentions the feature map's ``H x W`` grid."""
import math
from typing import Dict, Optional, Tuple

import torch.nn as nn
from mmdet.models.detectors import DETR, ConditionalDETR
from mmdet.models.layers import ConditionalDetrTransformerDecoder, SinePositionalEncoding
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from torch import Tensor

from mmlife.models import LIFE
from ..layers import (LIFEDetrTransformerDecoder, LIFEDetrTransformerEncoder,
                      LIFEMultiheadAttention)


class LIFEEncoderMixin:
    """What a DETR-family detector needs for a :class:`LIFEDetrTransformerEncoder`.

    - ``pre_transformer``/``forward_encoder`` pass the feature map's ``(H, W)`` to the encoder,
      which hands it to every self-attention (LIFE lays the tokens out on that grid; the
      padding mask already reaches it as ``key_padding_mask``);
    - ``init_weights`` keeps DETR's Xavier init of the encoder/decoder, but LIFE's depthwise
      convs get Xavier with their true fans (``k * k`` in and out): torch's fan of a grouped
      conv counts all output channels, which would shrink them by ``sqrt(2 / (C + 1))``; with
      an attention's ``qkv_init='linear'``, its LIFE's scale-1 point-wise layer gets the fans
      of the ``Linear(C, 3C)`` that LIFE replaces (see :class:`LIFEMultiheadAttention`);
    - ``_init_positional_encoding_and_queries`` builds what every DETR's ``_init_layers``
      builds besides its encoder and decoder.
    """

    def _init_positional_encoding_and_queries(self) -> None:
        self.positional_encoding = SinePositionalEncoding(**self.positional_encoding)
        self.embed_dims = self.encoder.embed_dims
        self.query_embedding = nn.Embedding(self.num_queries, self.embed_dims)
        num_feats = self.positional_encoding.num_feats
        if num_feats * 2 != self.embed_dims:
            raise ValueError(f'positional_encoding.num_feats ({num_feats}) must be half of '
                             f'embed_dims ({self.embed_dims})')

    def init_weights(self) -> None:
        super().init_weights()
        for coder in self.encoder, self.decoder:
            for attn in coder.modules():
                if not (isinstance(attn, LIFEMultiheadAttention) and isinstance(attn.qkv, LIFE)):
                    continue
                for conv in attn.qkv.depthwise:
                    k = conv.kernel_size[0] * conv.kernel_size[1]
                    bound = math.sqrt(6 / (k + k))
                    nn.init.uniform_(conv.weight, -bound, bound)
                if attn.qkv_init == 'linear':
                    C = attn.embed_dims
                    bound = math.sqrt(6 / (C + 3 * C))
                    nn.init.uniform_(attn.qkv.pointwise[0].weight, -bound, bound)

    def pre_transformer(self,
                        img_feats: Tuple[Tensor],
                        batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        encoder_inputs_dict, decoder_inputs_dict = super().pre_transformer(
            img_feats, batch_data_samples)
        encoder_inputs_dict['feat_hw_shape'] = tuple(img_feats[-1].shape[-2:])
        return encoder_inputs_dict, decoder_inputs_dict

    def forward_encoder(self, feat: Tensor, feat_mask: Optional[Tensor], feat_pos: Tensor,
                        feat_hw_shape: Tuple[int, int]) -> Dict:
        memory = self.encoder(
            query=feat, query_pos=feat_pos, key_padding_mask=feat_mask, hw_shape=feat_hw_shape)
        return dict(memory=memory)


@MODELS.register_module()
class LIFEDETR(LIFEEncoderMixin, DETR):
    """mmdet's ``DETR`` with :class:`LIFEMultiheadAttention` in its encoder and decoder.

    The three variants of the LIFE paper's Table 2 differ only in ``qkv_proj`` of the
    attention configs (``'none'`` = EncDec, ``'linear'`` = EncDec-Linear, ``'life'`` in the
    encoder = EncDec-LIFE). ``_init_layers`` builds the LIFE encoder/decoder classes; the rest
    is :class:`LIFEEncoderMixin`.

    Arguments are those of ``mmdet.models.DETR``.
    """

    def _init_layers(self) -> None:
        self.encoder = LIFEDetrTransformerEncoder(**self.encoder)
        self.decoder = LIFEDetrTransformerDecoder(**self.decoder)
        self._init_positional_encoding_and_queries()


@MODELS.register_module()
class LIFEConditionalDETR(LIFEEncoderMixin, ConditionalDETR):
    """mmdet's ``ConditionalDETR`` (Meng et al., 2021) with a LIFE-capable encoder.

    Conditional DETR keeps DETR's encoder and changes the decoder: each query's content and
    a spatial query from its reference point attend separately, which makes DETR converge
    several times faster. Here the encoder is :class:`LIFEDetrTransformerEncoder`
    (``qkv_proj='none' | 'linear' | 'life'``, as in :class:`LIFEDETR`); the decoder is mmdet's
    ``ConditionalDetrTransformerDecoder`` unchanged (its attentions project Q, K, V themselves
    and its queries have no grid). Use it with ``ConditionalDETRHead`` or
    ``BatchedMatchConditionalDETRHead``.

    Arguments are those of ``mmdet.models.ConditionalDETR``.
    """

    def _init_layers(self) -> None:
        self.encoder = LIFEDetrTransformerEncoder(**self.encoder)
        self.decoder = ConditionalDetrTransformerDecoder(**self.decoder)
        self._init_positional_encoding_and_queries()
