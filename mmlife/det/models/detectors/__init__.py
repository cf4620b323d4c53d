from .life_detr import LIFEDETR

__all__ = ['LIFEDETR']
