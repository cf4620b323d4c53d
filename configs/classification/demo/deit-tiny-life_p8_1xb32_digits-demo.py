# The embedded demo with LIFE: identical to deit-tiny_p8_1xb32_digits-demo.py but LIFE makes Q, K, V.
_base_ = './deit-tiny_p8_1xb32_digits-demo.py'

model = dict(backbone=dict(use_life=True))
