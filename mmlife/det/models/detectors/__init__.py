from .life_detr import LIFEConditionalDETR, LIFEDETR, LIFEEncoderMixin

__all__ = ['LIFEConditionalDETR', 'LIFEDETR', 'LIFEEncoderMixin']
