# Detection pre-training for BCCD, step 2, the LIFE arm: DeiT-T-LIFE + EncDec-LIFE with the schedule
# of conditional-detr_deit-tiny-groceries-pre_encdec-linear_1xb32-100e_bccd-512x512.py, started from
# the Groceries detector of
# conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb32-10e_groceries-320x320.py:
#   python tools/train.py THIS_CONFIG --allow-partial
_base_ = './conditional-detr_deit-tiny-groceries-pre_encdec-linear_1xb32-100e_bccd-512x512.py'

model = dict(
    backbone=dict(
        use_life=True,
        init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life', qkv_init='linear'))))
load_from = ('work_dirs/conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb32-10e_'
             'groceries-320x320/epoch_10.pth')
