# T2T-ViT-12-LIFE on CIFAR-10 with the official LIFE code's recipe:
# t2t-vit-12_8xb64-official_cifar10.py with LIFE making Q, K, V and 252 token dims, as
# t2t-vit-12-life_8xb64_cifar10.py.
_base_ = './t2t-vit-12_8xb64-official_cifar10.py'

model = dict(
    backbone=dict(use_life=True, embed_dims=252, layer_cfgs=dict(feedforward_channels=2 * 252)),
    head=dict(in_channels=252))
