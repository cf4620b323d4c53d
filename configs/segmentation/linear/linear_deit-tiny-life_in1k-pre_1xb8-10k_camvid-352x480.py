# DeiT-T-LIFE on CamVid from an ImageNet-1k DeiT-T-LIFE checkpoint at a local path (see
# linear_deit-tiny-life_in1k-pre_8xb1-80k_cityscapes-512x512.py); nothing is downloaded.
_base_ = './linear_deit-tiny-life_1xb8-10k_camvid-352x480.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='pretrain/deit-tiny-life_in1k.pth',
            prefix='backbone.')))
