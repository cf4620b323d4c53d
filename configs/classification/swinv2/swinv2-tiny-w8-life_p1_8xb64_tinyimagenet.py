# SwinV2-T-LIFE on Tiny-ImageNet: identical to swinv2-tiny-w8_p1_8xb64_tinyimagenet.py but LIFE
# makes Q, K, V
# inside every window (shifted-window regions masked, see mmlife/models/backbones/swinv2_life.py).
_base_ = './swinv2-tiny-w8_p1_8xb64_tinyimagenet.py'

model = dict(backbone=dict(use_life=True))
