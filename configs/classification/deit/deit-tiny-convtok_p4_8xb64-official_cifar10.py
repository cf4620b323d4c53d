# DeiT-Tiny on CIFAR-10 with the official recipe and a convolutional tokenizer in place of the
# 4x4 patch embedding: two stages of 3x3 convolution + ReLU + 3x3 max-pool with stride 2 (64,
# then 192 channels; the tokenizer of Compact Convolutional Transformers), the same 8x8 grid.
_base_ = './deit-tiny_p4_8xb64-official_cifar10.py'

model = dict(backbone=dict(tokenizer=dict(type='ConvTokenizer', channels=(64, ))))
