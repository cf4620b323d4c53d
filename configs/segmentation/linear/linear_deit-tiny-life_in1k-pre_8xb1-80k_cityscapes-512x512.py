# Table 3, DeiT-T-LIFE, ImageNet-1k-pretrained backbone: a DeiT-T-LIFE classifier trained on
# ImageNet-1k with mmlife (mmpretrain format, keys `backbone.*`) at
# pretrain/deit-tiny-life_in1k.pth, or --cfg-options model.backbone.init_cfg.checkpoint=PATH.
# Nothing is downloaded.
_base_ = './linear_deit-tiny-life_8xb1-80k_cityscapes-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='pretrain/deit-tiny-life_in1k.pth',
            prefix='backbone.')))
