# T2T-ViT-12-LIFE on ImageNet-1k: t2t-vit-12_8xb128_in1k.py with LIFE making Q, K, V and 252 token
# dims (three LIFE scales of 84 channels each; 256 does not split evenly).
_base_ = './t2t-vit-12_8xb128_in1k.py'

model = dict(
    backbone=dict(use_life=True, embed_dims=252, layer_cfgs=dict(feedforward_channels=2 * 252)),
    head=dict(in_channels=252))
