# DETR with a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py; BCCD, 512 x 512: the
# ImageNet-1k-pre-trained config (same init_cfg) with another local file, made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
# (another path: --cfg-options model.backbone.init_cfg.checkpoint=PATH). The 14 x 14 position
# embedding is resized to the 32 x 32 grid when loading.
_base_ = './detr_deit-tiny-life-in1k-pre_encdec-life_1xb4-300e_bccd-512x512.py'

model = dict(
    backbone=dict(init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')))
