# DeiT-Tiny-LIFE on Tiny-ImageNet: identical to deit-tiny_p4_8xb64_tinyimagenet.py but LIFE makes
# Q, K, V.
_base_ = './deit-tiny_p4_8xb64_tinyimagenet.py'

model = dict(backbone=dict(use_life=True))
