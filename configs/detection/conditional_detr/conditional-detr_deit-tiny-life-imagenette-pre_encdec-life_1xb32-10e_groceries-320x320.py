# Detection pre-training for BCCD, step 1, the LIFE arm: DeiT-T-LIFE + EncDec-LIFE (as in
# conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb16-50e_groceries-320x320.py) with
# this 10-epoch batch-32 schedule, the encoder's LIFE Q, K, V starting at the Linear's scale
# (qkv_init='linear', as measured). Its last checkpoint starts
# conditional-detr_deit-tiny-life-groceries-pre_encdec-life_1xb32-100e_bccd-512x512.py.
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-10e_groceries-320x320.py'

model = dict(
    backbone=dict(
        use_life=True,
        init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life', qkv_init='linear'))))
