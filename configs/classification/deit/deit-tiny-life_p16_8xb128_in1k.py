# DeiT-Tiny-LIFE on ImageNet-1k: identical to deit-tiny_p16_8xb128_in1k.py but LIFE makes Q, K, V.
_base_ = './deit-tiny_p16_8xb128_in1k.py'

model = dict(backbone=dict(use_life=True))
