# ResNet-50: resnet18_8xb32_in1k.py with depth 50 (2048-d features).
_base_ = './resnet18_8xb32_in1k.py'

model = dict(backbone=dict(depth=50), head=dict(in_channels=2048))
