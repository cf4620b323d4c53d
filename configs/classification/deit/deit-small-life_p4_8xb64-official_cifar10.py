# DeiT-Small-LIFE on CIFAR-10 with the official LIFE code's recipe: identical to
# deit-small_p4_8xb64-official_cifar10.py but LIFE makes Q, K, V.
_base_ = './deit-small_p4_8xb64-official_cifar10.py'

model = dict(backbone=dict(use_life=True))
