from .detr_layers import (LIFEDetrTransformerDecoder, LIFEDetrTransformerDecoderLayer,
                          LIFEDetrTransformerEncoder, LIFEDetrTransformerEncoderLayer)
from .qkv_attention import QKV_PROJS, LIFEMultiheadAttention

__all__ = ['LIFEMultiheadAttention', 'QKV_PROJS', 'LIFEDetrTransformerEncoder',
           'LIFEDetrTransformerEncoderLayer', 'LIFEDetrTransformerDecoder',
           'LIFEDetrTransformerDecoderLayer']
