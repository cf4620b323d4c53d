# Table 3, DeiT-T, ImageNet-1k-pretrained backbone. The checkpoint is read from a local path
# (mmpretrain format, keys `backbone.*`; nothing is downloaded): e.g. mmpretrain's
# deit-tiny_pt-4xb256_in1k_20220218-13b382a0.pth saved as pretrain/deit-tiny_in1k.pth, or pass
# --cfg-options model.backbone.init_cfg.checkpoint=PATH. The 14x14 position embeddings of a
# 224x224 checkpoint are interpolated to the 32x32 grid of 512x512 crops when it is loaded.
_base_ = './linear_deit-tiny_8xb1-80k_cityscapes-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='pretrain/deit-tiny_in1k.pth',
            prefix='backbone.')))
