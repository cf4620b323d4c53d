# DETR with a DeiT-T-LIFE backbone (random init);
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every attention.
_base_ = './detr_deit-tiny_encdec-linear_1xb4-300e_bccd-512x512.py'

model = dict(backbone=dict(use_life=True))
