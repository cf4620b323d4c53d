# Conditional DETR (Meng et al., ICCV 2021) on the DeiT-Tiny backbone of
# detr_deit-tiny_p16_encdec.py:
# the same backbone, neck, 6-layer encoder (its `qkv_proj` set by the variant configs, as for
# DETR) and 100 object queries; mmdet's Conditional DETR decoder (6 layers; each query's content
# and a spatial query from its reference point attend separately, and its attentions project
# Q, K, V themselves) without dropout, as the DETR configs; a sigmoid focal classification loss
# and match cost, the classifier starting at probability 0.01 (mmdet's conditional-detr recipe).
_base_ = './detr_deit-tiny_p16_encdec.py'

_attn = dict(embed_dims=256, num_heads=8, attn_drop=0.)
model = dict(
    type='LIFEConditionalDETR',
    decoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(_delete_=True, cross_attn=False, **_attn),
        cross_attn_cfg=dict(_delete_=True, cross_attn=True, **_attn))),
    bbox_head=dict(
        type='BatchedMatchConditionalDETRHead',  # = ConditionalDETRHead, matching batched
        loss_cls=dict(
            _delete_=True, type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
            loss_weight=2.0)),
    train_cfg=dict(assigner=dict(match_costs=[
        dict(type='FocalLossCost', weight=2.0),
        dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
        dict(type='IoUCost', iou_mode='giou', weight=2.0)
    ])))
