# DeiT-T-LIFE on CamVid from a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py: the
# ImageNet-1k-pre-trained config (same init_cfg) with another local file, made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
# (another path: --cfg-options model.backbone.init_cfg.checkpoint=PATH). The 14 x 14 position
# embedding is resized to the 22 x 30 grid of the 352 x 480 crops when loading.
_base_ = './linear_deit-tiny-life_in1k-pre_1xb8-10k_camvid-352x480.py'

model = dict(
    backbone=dict(init_cfg=dict(checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth')))
