# SwinV2-T-LIFE on CIFAR-10 with the official LIFE code's recipe: identical to
# swinv2-tiny-w8_p1_8xb64-official_cifar10.py but LIFE makes Q, K, V inside every window.
_base_ = './swinv2-tiny-w8_p1_8xb64-official_cifar10.py'

model = dict(backbone=dict(use_life=True))
