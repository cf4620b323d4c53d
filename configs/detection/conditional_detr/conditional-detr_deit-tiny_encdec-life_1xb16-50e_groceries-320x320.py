# Conditional DETR with a DeiT-T backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder (on the 20 x 20 token grid); the Conditional
# DETR decoder projects its own. qkv_init='linear' as in the DeiT-T-LIFE + EncDec-LIFE config.
_base_ = './conditional-detr_deit-tiny_encdec-linear_1xb16-50e_groceries-320x320.py'

model = dict(
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life', qkv_init='linear'))))
