# DeiT-Tiny-LIFE on Imagenette: identical to deit-tiny_p16_8xb64_imagenette.py (same recipe, seed
# and budget) but LIFE makes Q, K, V.
#   python tools/model_converters/cls2backbone.py CHECKPOINT \
#       pretrain/deit-tiny-life_imagenette_backbone.pth
_base_ = './deit-tiny_p16_8xb64_imagenette.py'

model = dict(backbone=dict(use_life=True))
