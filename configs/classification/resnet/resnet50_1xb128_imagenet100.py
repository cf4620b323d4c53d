# ResNet-50: resnet18_1xb128_imagenet100.py with depth 50 (2048-d features).
_base_ = './resnet18_1xb128_imagenet100.py'

model = dict(backbone=dict(depth=50), head=dict(in_channels=2048))
