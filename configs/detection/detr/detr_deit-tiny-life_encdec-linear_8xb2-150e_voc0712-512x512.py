# DETR with a DeiT-T-LIFE backbone (random init);
# Pascal VOC 07+12 trainval -> VOC 2007 test; 512 x 512.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every attention.
_base_ = './detr_deit-tiny_encdec-linear_8xb2-150e_voc0712-512x512.py'

model = dict(backbone=dict(use_life=True))
