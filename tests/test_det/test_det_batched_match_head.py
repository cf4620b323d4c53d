"""BatchedMatchDETRHead gives the stock DETRHead's assignments, losses and gradients."""
import copy

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


CE_LOSS = dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False, loss_weight=1.0,
               class_weight=1.0)
# sigmoid classification (as Deformable DETR / DINO configure it) with its match cost
FOCAL_LOSS = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0)
FOCAL_ASSIGNER = dict(ASSIGNER, match_costs=[dict(type='FocalLossCost', weight=2.0)]
                      + ASSIGNER['match_costs'][1:])
QFL_LOSS = dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0)


def _head(type_, loss_cls=CE_LOSS, assigner=ASSIGNER, **kwargs):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    # deep copies: the stock DETRHead edits its loss_cls dict in place
    return MODELS.build(copy.deepcopy(dict(
        type=type_, num_classes=NUM_CLASSES, embed_dims=8, loss_cls=loss_cls,
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0),
        train_cfg=dict(assigner=assigner), **kwargs)))


def _inputs(num_gts, seed=0, dtype=torch.float64, same_shape=False, cls_channels=NUM_CLASSES + 1):
    g = torch.Generator().manual_seed(seed)
    B = len(num_gts)
    cls = torch.randn(L, B, Q, cls_channels, generator=g, dtype=dtype)
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


@pytest.mark.parametrize('loss_cls,assigner', [(CE_LOSS, ASSIGNER),
                                              (FOCAL_LOSS, FOCAL_ASSIGNER),
                                              (QFL_LOSS, FOCAL_ASSIGNER)])
@pytest.mark.parametrize('num_gts', [(3, 0, 5, 2), (0, 0), (2, Q + 5, 7)])
def test_sigmoid_losses_and_sync_avg_factor_equal_stock(num_gts, loss_cls, assigner):
    """Sigmoid focal loss (batched path) and QualityFocalLoss (stock per-layer path fed with
    the batched targets) as the stock head, float64, sync_cls_avg_factor on."""
    kwargs = dict(loss_cls=loss_cls, assigner=assigner, sync_cls_avg_factor=True)
    stock, batched = _head('DETRHead', **kwargs), _head('BatchedMatchDETRHead', **kwargs)
    assert batched.cls_out_channels == stock.cls_out_channels
    cls, boxes, gts, metas = _inputs(num_gts, cls_channels=stock.cls_out_channels)
    ref_losses = stock.loss_by_feat(cls, boxes, gts, metas)
    losses = batched.loss_by_feat(cls, boxes, gts, metas)
    assert list(losses) == list(ref_losses)
    for k in losses:
        # with sync_cls_avg_factor, stock loss_cls values are (1, ) tensors, or 0-dim ones
        # when the factor is below 1; the batched head's are (1, ) tensors
        torch.testing.assert_close(losses[k].reshape(-1), ref_losses[k].reshape(-1), rtol=0,
                                   atol=1e-6, msg=k)


def _count_calls(module):
    calls = []
    module.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_one_call_per_loss_and_layer_order():
    """Each loss module runs once for all layers, and the per-layer values land under the
    right keys: the layers' losses differ, and reversing the layers reverses the dict."""
    batched = _head('BatchedMatchDETRHead')
    calls = [_count_calls(m) for m in (batched.loss_cls, batched.loss_bbox, batched.loss_iou)]
    cls, boxes, gts, metas = _inputs((3, 1, 4), seed=2)
    losses = batched.loss_by_feat(cls, boxes, gts, metas)
    assert [len(c) for c in calls] == [1, 1, 1]
    names = [f'd{layer}.' for layer in range(L - 1)] + ['']
    for kind in ('loss_cls', 'loss_bbox', 'loss_iou'):
        values = [losses[name + kind] for name in names]
        assert len({v.item() for v in values}) == L, kind  # a swap of layers would show
        # each layer's value is the stock loss of that layer alone (loss_by_feat_single, with
        # the stock get_targets outside loss_by_feat)
        for layer, name in enumerate(names):
            ref = dict(zip(('loss_cls', 'loss_bbox', 'loss_iou'), batched.loss_by_feat_single(
                cls[layer], boxes[layer], gts, metas)))
            torch.testing.assert_close(losses[name + kind], ref[kind], rtol=0, atol=1e-6)
    flipped = batched.loss_by_feat(cls.flip(0), boxes.flip(0), gts, metas)
    for kind in ('loss_cls', 'loss_bbox', 'loss_iou'):
        for name, flipped_name in zip(names, names[::-1]):
            torch.testing.assert_close(flipped[flipped_name + kind], losses[name + kind],
                                       rtol=0, atol=1e-6)


@pytest.mark.parametrize('loss_cls,assigner', [(CE_LOSS, ASSIGNER), (FOCAL_LOSS, FOCAL_ASSIGNER)])
def test_gradients_equal_stock_float32(loss_cls, assigner):
    kwargs = dict(loss_cls=loss_cls, assigner=assigner)
    stock, batched = _head('DETRHead', **kwargs), _head('BatchedMatchDETRHead', **kwargs)
    cls, boxes, gts, metas = _inputs((4, 2, 0), seed=1, dtype=torch.float32,
                                     cls_channels=stock.cls_out_channels)
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
    with pytest.raises(ValueError, match='batch_gt_instances_ignore'):
        head.loss_by_feat(cls, boxes, gts, metas, [InstanceData(), InstanceData()])
    with pytest.raises(ValueError, match='2 gt instances for a batch of 3'):
        head.loss_by_feat(cls.repeat(1, 2, 1, 1)[:, :3], boxes.repeat(1, 2, 1, 1)[:, :3],
                          gts, metas)
    from mmdet.registry import MODELS
    with pytest.raises(TypeError, match='HungarianAssigner'):
        MODELS.build(dict(type='BatchedMatchDETRHead', num_classes=2, embed_dims=8,
                          train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=.5,
                                                       neg_iou_thr=.5))))


def test_loss_and_predict_and_predict_equal_stock():
    """The head's other entry points: same losses and detections as stock, same weights."""
    from mmdet.structures import DetDataSample
    test_cfg = dict(max_per_img=Q // 2)
    stock, batched = (_head(t, test_cfg=test_cfg) for t in ('DETRHead', 'BatchedMatchDETRHead'))
    batched.load_state_dict(stock.state_dict())
    _, _, gts, metas = _inputs((2, 0, 3), seed=3, dtype=torch.float32)
    samples = []
    for gt, meta in zip(gts, metas):
        sample = DetDataSample(metainfo=dict(meta, scale_factor=(1.0, 1.0)))
        sample.gt_instances = gt
        samples.append(sample)
    hidden = torch.randn(L, len(samples), Q, 8, generator=torch.Generator().manual_seed(3))
    (ref_losses, ref_preds), (losses, preds) = (h.loss_and_predict(hidden, samples)
                                                for h in (stock, batched))
    assert list(losses) == list(ref_losses)
    for k in losses:
        torch.testing.assert_close(losses[k], ref_losses[k], rtol=0, atol=1e-6, msg=k)
    pairs = [(preds, ref_preds), (batched.predict(hidden, samples, rescale=True),
                                  stock.predict(hidden, samples, rescale=True))]
    for got_list, ref_list in pairs:
        for got, ref in zip(got_list, ref_list):
            for key in ('scores', 'labels', 'bboxes'):
                torch.testing.assert_close(got[key], ref[key], rtol=0, atol=0)


@pytest.mark.parametrize('loss_cls,assigner', [(FOCAL_LOSS, FOCAL_ASSIGNER), (QFL_LOSS, ASSIGNER),
                                               (CE_LOSS, ASSIGNER)])
def test_sigmoid_classifier_starts_at_the_prior(loss_cls, assigner):
    torch.manual_seed(0)
    head = _head('BatchedMatchDETRHead', loss_cls=loss_cls, assigner=assigner)
    stock_bias = head.fc_cls.bias.detach().clone()
    head.init_weights()
    bias = head.fc_cls.bias.detach()
    if loss_cls['use_sigmoid']:
        # every class of every query starts at probability 0.01, as Conditional DETR's head
        torch.testing.assert_close(torch.sigmoid(bias), torch.full_like(bias, 0.01))
    else:  # softmax classification keeps the stock Linear initialisation
        torch.testing.assert_close(bias, stock_bias, rtol=0, atol=0)


def test_prior_init_makes_the_initial_focal_loss_small():
    """With the default Linear bias the negatives' focal loss dominates (the ~90 seen on
    Groceries at the first iterations); from the prior it is of the order of the positives'."""
    torch.manual_seed(0)
    head = _head('BatchedMatchDETRHead', loss_cls=FOCAL_LOSS, assigner=FOCAL_ASSIGNER)
    feats = torch.randn(L, 2, 100, 8)
    _, boxes, gts, metas = _inputs((3, 2), cls_channels=NUM_CLASSES)
    boxes = boxes[:, :, :1].expand(L, 2, 100, 4)

    def loss_cls():
        cls = head.fc_cls(feats).double()
        return head.loss_by_feat(cls, boxes, gts, metas)['loss_cls'].item()

    before = loss_cls()
    head.init_weights()
    after = loss_cls()
    assert after < 2.0 < 10 * after < before
