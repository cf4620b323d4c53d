# DETR with a DeiT-T backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every attention.
_base_ = './detr_deit-tiny_encdec_1xb16-150e_groceries-320x320.py'

model = dict(
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='linear'))),
    decoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(qkv_proj='linear'), cross_attn_cfg=dict(qkv_proj='linear'))))
