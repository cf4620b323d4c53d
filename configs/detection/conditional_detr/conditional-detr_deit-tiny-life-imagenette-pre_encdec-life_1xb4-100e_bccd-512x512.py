# Conditional DETR with a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py;
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder (on the 32 x 32 token grid); the Conditional
# DETR decoder projects its own. Backbone file made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
_base_ = './conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb4-100e_bccd-512x512.py'

model = dict(
    backbone=dict(
        use_life=True,
        init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life'))))
