# DETR with a DeiT-T backbone (random init);
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec-Linear: one Linear(256, 768) makes Q, K, V in every attention.
_base_ = './detr_deit-tiny_encdec_1xb4-300e_bccd-512x512.py'

model = dict(
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='linear'))),
    decoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(qkv_proj='linear'), cross_attn_cfg=dict(qkv_proj='linear'))))
