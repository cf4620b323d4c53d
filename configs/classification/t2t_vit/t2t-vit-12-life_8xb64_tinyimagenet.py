# T2T-ViT-12-LIFE on Tiny-ImageNet: t2t-vit-12_8xb64_tinyimagenet.py with LIFE making Q, K, V and
# 252 token dims (three LIFE scales of 84 channels each; 256 does not split evenly).
_base_ = './t2t-vit-12_8xb64_tinyimagenet.py'

model = dict(
    backbone=dict(use_life=True, embed_dims=252, layer_cfgs=dict(feedforward_channels=2 * 252)),
    head=dict(in_channels=252))
