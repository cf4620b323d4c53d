from .deit_life import LIFEDistilledVisionTransformer, LIFEVisionTransformer
from .life_mixin import LIFEMixin
from .swinv2_life import LIFESwinTransformerV2, LIFEWindowMSAV2
from .t2t_life import AdaptiveT2TModule, LIFET2TViT, TokenPerformer, fix_qk_scale

__all__ = [
    'LIFEMixin', 'LIFEVisionTransformer', 'LIFEDistilledVisionTransformer', 'LIFET2TViT',
    'AdaptiveT2TModule', 'TokenPerformer', 'fix_qk_scale', 'LIFESwinTransformerV2',
    'LIFEWindowMSAV2'
]
