# DeiT-Small-LIFE on ImageNet-1k: identical to deit-small_p16_8xb128_in1k.py but LIFE makes Q, K,
# V.
_base_ = './deit-small_p16_8xb128_in1k.py'

model = dict(backbone=dict(use_life=True))
