from .deit_life import LIFEDistilledVisionTransformer, LIFEVisionTransformer
from .life_mixin import LIFEMixin

__all__ = ['LIFEMixin', 'LIFEVisionTransformer', 'LIFEDistilledVisionTransformer']
