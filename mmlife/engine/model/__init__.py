from .foreach_ema import ForeachExponentialMovingAverage

__all__ = ['ForeachExponentialMovingAverage']
