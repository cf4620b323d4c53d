# DETR with a DeiT-T backbone (random init);
# Groceries train -> val (test split for the final numbers); 320 x 320.
# EncDec-LIFE: LIFE makes Q, K, V in the encoder (on the 20 x 20 token grid);
# the decoder (object queries, no grid) keeps a Linear, see
# mmlife/det/models/layers/detr_layers.py.
_base_ = './detr_deit-tiny_encdec_1xb16-150e_groceries-320x320.py'

model = dict(
    encoder=dict(layer_cfg=dict(self_attn_cfg=dict(qkv_proj='life'))),
    decoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(qkv_proj='linear'), cross_attn_cfg=dict(qkv_proj='linear'))))
