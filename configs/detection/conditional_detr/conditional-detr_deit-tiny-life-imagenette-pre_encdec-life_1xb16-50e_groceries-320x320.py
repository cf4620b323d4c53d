# Conditional DETR with a DeiT-T-LIFE backbone pre-trained on Imagenette (224 px, patch 16) by
# configs/classification/deit/deit-tiny-life_p16_8xb64_imagenette.py;
# Groceries train -> val (test split for the final numbers); 320 x 320. Backbone file made by
#   python tools/model_converters/cls2backbone.py CLASSIFIER_CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
_base_ = './conditional-detr_deit-tiny-life_encdec-life_1xb16-50e_groceries-320x320.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained',
            checkpoint='pretrain/deit-tiny-life_imagenette_backbone.pth', prefix='backbone.')),
    # the pre-trained pair's results were measured with the encoder's LIFE at 'xavier'
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_init='xavier'))))
# a pre-trained backbone learns at DETR's x0.1
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
