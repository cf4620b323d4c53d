# DeiT-Tiny-LIFE on CIFAR-10 with the official recipe and the convolutional tokenizer: identical
# to deit-tiny-convtok_p4_8xb64-official_cifar10.py but LIFE makes Q, K, V.
_base_ = './deit-tiny-convtok_p4_8xb64-official_cifar10.py'

model = dict(backbone=dict(use_life=True))
