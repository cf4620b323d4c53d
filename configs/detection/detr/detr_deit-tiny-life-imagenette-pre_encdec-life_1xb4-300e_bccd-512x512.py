# DETR with a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py;
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder; the decoder keeps a Linear.
# The backbone weights are read from a local file made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
# (another path: --cfg-options model.backbone.init_cfg.checkpoint=PATH). The 14 x 14 position
# embedding is resized to the input's grid when loading.
_base_ = './detr_deit-tiny-life_encdec-life_1xb4-300e_bccd-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained',
            checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth', prefix='backbone.')))
