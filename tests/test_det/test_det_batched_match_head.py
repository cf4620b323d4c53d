"""BatchedMatchDETRHead gives the stock DETRHead's assignments and losses."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmlife.det  # noqa: F401  (registers the head)

L, Q, NUM_CLASSES = 3, 12, 4
ASSIGNER = dict(type='HungarianAssigner', match_costs=[
    dict(type='ClassificationCost', weight=1.),
    dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
    dict(type='IoUCost', iou_mode='giou', weight=2.0)])


def _head(type_):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    return MODELS.build(dict(
        type=type_, num_classes=NUM_CLASSES, embed_dims=8,
        loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False,
                      loss_weight=1.0, class_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0),
        train_cfg=dict(assigner=ASSIGNER)))


def _inputs(num_gts, seed=0, dtype=torch.float64, same_shape=False):
    g = torch.Generator().manual_seed(seed)
    B = len(num_gts)
    cls = torch.randn(L, B, Q, NUM_CLASSES + 1, generator=g, dtype=dtype)
    boxes = torch.rand(L, B, Q, 4, generator=g, dtype=dtype) * 0.5 + 0.1
    gts, metas = [], []
    for i, n in enumerate(num_gts):
        # images 0, 2, 4, ... share a size (one cost call), the others differ
        h, w = (48, 56) if same_shape or i % 2 == 0 else (40 + 8 * i, 56 - 4 * i)
        xy = torch.rand(n, 2, generator=g, dtype=dtype) * torch.tensor([w / 2, h / 2], dtype=dtype)
        wh = torch.rand(n, 2, generator=g, dtype=dtype) * torch.tensor([w / 2, h / 2], dtype=dtype) + 1
        gts.append(InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                labels=torch.randint(NUM_CLASSES, (n, ), generator=g)))
        metas.append(dict(img_shape=(h, w)))
    return cls, boxes, gts, metas


@pytest.mark.parametrize('same_shape', [False, True])
@pytest.mark.parametrize('num_gts', [(3, 0, 5, 2), (0, 0), (1, ), (2, Q + 5, 7)])
def test_same_targets_and_losses_as_stock(num_gts, same_shape):
    stock, batched = _head('DETRHead'), _head('BatchedMatchDETRHead')
    assert batched.bg_cls_weight == stock.bg_cls_weight == 0.1
    torch.testing.assert_close(batched.loss_cls.class_weight, stock.loss_cls.class_weight)
    cls, boxes, gts, metas = _inputs(num_gts, same_shape=same_shape)
    # targets of every layer, one by one against stock get_targets
    layer_targets = batched.batched_targets(cls, boxes, gts, metas)
    assert len(layer_targets) == L
    for layer in range(L):
        ref = stock.get_targets(list(cls[layer]), list(boxes[layer]), gts, metas)
        got = layer_targets[layer]
        assert got[4:] == ref[4:]  # num_total_pos, num_total_neg
        for got_list, ref_list in zip(got[:4], ref[:4]):
            for a, b in zip(got_list, ref_list):
                assert a.dtype == b.dtype
                torch.testing.assert_close(a, b, rtol=0, atol=0)
    ref_losses = stock.loss_by_feat(cls, boxes, gts, metas)
    losses = batched.loss_by_feat(cls, boxes, gts, metas)
    assert losses.keys() == ref_losses.keys() and len(losses) == 3 * L
    for k in losses:
        torch.testing.assert_close(losses[k], ref_losses[k], rtol=0, atol=1e-6, msg=k)


def test_gradients_equal_stock_float32():
    stock, batched = _head('DETRHead'), _head('BatchedMatchDETRHead')
    cls, boxes, gts, metas = _inputs((4, 2, 0), seed=1, dtype=torch.float32)
    grads = []
    for head in stock, batched:
        c, b = cls.clone().requires_grad_(), boxes.clone().requires_grad_()
        sum(head.loss_by_feat(c, b, gts, metas).values()).backward()
        grads.append((c.grad, b.grad))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert batched._layer_targets is None  # nothing left over after the call


def test_bad_input():
    head = _head('BatchedMatchDETRHead')
    cls, boxes, gts, metas = _inputs((1, 2))
    with pytest.raises(ValueError, match='2 gt instances for a batch of 3'):
        head.loss_by_feat(cls.repeat(1, 2, 1, 1)[:, :3], boxes.repeat(1, 2, 1, 1)[:, :3],
                          gts, metas)
    from mmdet.registry import MODELS
    with pytest.raises(TypeError, match='HungarianAssigner'):
        MODELS.build(dict(type='BatchedMatchDETRHead', num_classes=2, embed_dims=8,
                          train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=.5,
                                                       neg_iou_thr=.5))))
