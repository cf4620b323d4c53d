# DeiT-Tiny-LIFE on ImageNet-100: identical to deit-tiny_p16_8xb64_imagenet100.py but LIFE makes Q,
# K, V.
_base_ = './deit-tiny_p16_8xb64_imagenet100.py'

model = dict(backbone=dict(use_life=True))
