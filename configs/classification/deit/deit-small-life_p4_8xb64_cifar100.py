# DeiT-Small-LIFE on CIFAR-100: identical to deit-small_p4_8xb64_cifar100.py but LIFE makes Q, K,
# V.
_base_ = './deit-small_p4_8xb64_cifar100.py'

model = dict(backbone=dict(use_life=True))
