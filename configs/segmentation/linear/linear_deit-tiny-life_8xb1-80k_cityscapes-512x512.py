# Table 3, DeiT-T-LIFE, random init: identical to linear_deit-tiny_8xb1-80k_cityscapes-512x512.py
# but LIFE makes Q, K, V in every block.
_base_ = './linear_deit-tiny_8xb1-80k_cityscapes-512x512.py'

model = dict(backbone=dict(use_life=True))
