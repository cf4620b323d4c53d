# Conditional DETR with a DeiT-T-LIFE backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec: no input projection in the encoder's attentions; the Conditional DETR decoder projects
# its own.
_base_ = './conditional-detr_deit-tiny_encdec_1xb16-50e_groceries-320x320.py'

model = dict(backbone=dict(use_life=True))
