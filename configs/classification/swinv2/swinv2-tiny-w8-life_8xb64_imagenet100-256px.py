# SwinV2-T-LIFE on ImageNet-100: identical to swinv2-tiny-w8_8xb64_imagenet100-256px.py but LIFE
# makes Q, K, V
# inside every window (shifted-window regions masked, see mmlife/models/backbones/swinv2_life.py).
_base_ = './swinv2-tiny-w8_8xb64_imagenet100-256px.py'

model = dict(backbone=dict(use_life=True))
