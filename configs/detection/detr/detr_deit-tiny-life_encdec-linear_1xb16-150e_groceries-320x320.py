# DETR with a DeiT-T-LIFE backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every attention.
_base_ = './detr_deit-tiny_encdec-linear_1xb16-150e_groceries-320x320.py'

model = dict(backbone=dict(use_life=True))
