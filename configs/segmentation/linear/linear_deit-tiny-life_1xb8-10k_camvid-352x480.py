# DeiT-T-LIFE on CamVid: identical to linear_deit-tiny_1xb8-10k_camvid-352x480.py but LIFE makes
# Q, K, V in every block.
_base_ = './linear_deit-tiny_1xb8-10k_camvid-352x480.py'

model = dict(backbone=dict(use_life=True))
