# DETR with a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py;
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder; the decoder keeps a Linear.
# The backbone weights are read from a local file made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
# (another path: --cfg-options model.backbone.init_cfg.checkpoint=PATH). The 14 x 14 position
# embedding is resized to the input's grid when loading.
_base_ = './detr_deit-tiny-life_encdec-life_1xb16-150e_groceries-320x320.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained',
            checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth', prefix='backbone.')))
# a pre-trained backbone learns at DETR's x0.1 (the random-init Groceries configs use x1)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
