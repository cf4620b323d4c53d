# DETR with a DeiT-T-LIFE backbone (random init);
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = './detr_deit-tiny_encdec_1xb4-300e_bccd-512x512.py'

model = dict(backbone=dict(use_life=True))
