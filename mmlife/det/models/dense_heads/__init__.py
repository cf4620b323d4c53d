from .batched_match_detr_head import BatchedMatchConditionalDETRHead, BatchedMatchDETRHead

__all__ = ['BatchedMatchConditionalDETRHead', 'BatchedMatchDETRHead']
