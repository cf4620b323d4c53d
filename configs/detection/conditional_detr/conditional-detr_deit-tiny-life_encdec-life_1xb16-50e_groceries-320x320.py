# Conditional DETR with a DeiT-T-LIFE backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder (on the 20 x 20 token grid); the Conditional
# DETR decoder projects its own. qkv_init='linear': LIFE's Q, K, V start at the scale of the Linear
# they replace (from random init: 0.29 test mAP over 3 seeds at 20 epochs against 0.18 for seed 0 at
# 'xavier'; docs/results.md, "Groceries from random init, Conditional DETR").
_base_ = './conditional-detr_deit-tiny_encdec-linear_1xb16-50e_groceries-320x320.py'

model = dict(
    backbone=dict(use_life=True),
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life', qkv_init='linear'))))
