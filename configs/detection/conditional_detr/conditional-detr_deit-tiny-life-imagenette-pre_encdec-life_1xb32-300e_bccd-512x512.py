# DeiT-T-LIFE + EncDec-LIFE (Imagenette-pre-trained) with the batch-32 BCCD recipe of
# conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-300e_bccd-512x512.py; the LIFE
# settings are those of conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb4-100e_bccd-512x512.py.
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb32-300e_bccd-512x512.py'

model = dict(
    backbone=dict(
        use_life=True,
        init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life'))))
