# DeiT-Small-LIFE on CIFAR-10: identical to deit-small_p4_8xb64_cifar10.py but LIFE makes Q, K, V.
_base_ = './deit-small_p4_8xb64_cifar10.py'

model = dict(backbone=dict(use_life=True))
