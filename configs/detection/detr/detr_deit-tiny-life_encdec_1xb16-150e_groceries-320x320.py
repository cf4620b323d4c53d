# DETR with a DeiT-T-LIFE backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = './detr_deit-tiny_encdec_1xb16-150e_groceries-320x320.py'

model = dict(backbone=dict(use_life=True))
