from .linear_upsample_head import LinearUpsampleHead

__all__ = ['LinearUpsampleHead']
