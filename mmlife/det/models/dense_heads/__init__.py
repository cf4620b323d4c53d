from .batched_match_detr_head import BatchedMatchDETRHead

__all__ = ['BatchedMatchDETRHead']
