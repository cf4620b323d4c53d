# DeiT-T on CamVid from an ImageNet-1k checkpoint at a local path (see
# linear_deit-tiny_in1k-pre_8xb1-80k_cityscapes-512x512.py); nothing is downloaded.
_base_ = './linear_deit-tiny_1xb8-10k_camvid-352x480.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='pretrain/deit-tiny_in1k.pth',
            prefix='backbone.')))
