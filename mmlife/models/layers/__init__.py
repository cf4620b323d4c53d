from .life import LIFE, GridQKV, split_channels

__all__ = ['LIFE', 'GridQKV', 'split_channels']
