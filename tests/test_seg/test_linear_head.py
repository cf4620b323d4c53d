"""The paper's linear head is stock mmseg ``FCNHead(num_convs=0, concat_input=False,
dropout_ratio=0)``: its logits, loss and predictions equal the former ``LinearUpsampleHead``
(one Linear per token, then x``patch`` bilinear upsampling), computed here by hand with
``F.linear`` + ``F.interpolate`` from the same weights, and its state-dict keys are those of the
former head (``conv_seg.weight``, ``conv_seg.bias``), so its checkpoints load unchanged."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.decode_heads import FCNHead
from mmseg.structures import SegDataSample

LINEAR_HEAD = dict(num_convs=0, concat_input=False, dropout_ratio=0.)


def make_head(C=6, num_classes=4, align_corners=False, **kwargs):
    torch.manual_seed(0)
    head = FCNHead(in_channels=C, channels=C, num_classes=num_classes,
                   align_corners=align_corners, **LINEAR_HEAD, **kwargs)
    with torch.no_grad():  # a non-trivial bias, so that a missing bias shows
        head.conv_seg.weight.normal_()
        head.conv_seg.bias.normal_()
    return head


def linear_upsample(weight, bias, feat, up_scale, align_corners=False):
    """The former LinearUpsampleHead.forward, by hand: a Linear applied to every token of the
    ``(B, C, h, w)`` map, then bilinear upsampling by ``up_scale``."""
    tokens = feat.permute(0, 2, 3, 1)  # (B, h, w, C)
    logits = F.linear(tokens, weight[:, :, 0, 0], bias).permute(0, 3, 1, 2)
    if up_scale == 1:
        return logits
    return F.interpolate(logits, scale_factor=up_scale, mode='bilinear',
                         align_corners=align_corners)


def samples(n, h, w, num_classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=(h, w), pad_shape=(h, w)))
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[0, :2] = 255  # ignored
        s.gt_sem_seg = PixelData(data=label)
        out.append(s)
    return out


def test_is_one_linear_layer_with_the_former_state_dict_keys():
    head = make_head(C=192, num_classes=19)
    assert isinstance(head.convs, torch.nn.Identity) and head.dropout is None
    assert sorted(head.state_dict()) == ['conv_seg.bias', 'conv_seg.weight']
    assert head.conv_seg.weight.shape == (19, 192, 1, 1)
    assert sum(p.numel() for p in head.parameters()) == 192 * 19 + 19


def test_forward_is_the_per_token_linear_layer():
    head = make_head()
    feat = torch.randn(2, 6, 3, 5)
    torch.testing.assert_close(head((feat, )), linear_upsample(
        head.conv_seg.weight, head.conv_seg.bias, feat, 1))


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('patch, hw', [(16, (3, 4)), (4, (1, 1)), (2, (3, 5))])
def test_loss_equals_the_former_head(patch, hw, align_corners):
    head = make_head(num_classes=3, align_corners=align_corners)
    feat = torch.randn(2, 6, *hw)
    h, w = hw[0] * patch, hw[1] * patch
    data = samples(2, h, w, 3)
    losses = head.loss((feat, ), data, train_cfg={})
    logits = linear_upsample(head.conv_seg.weight, head.conv_seg.bias, feat, patch,
                             align_corners)
    labels = torch.stack([s.gt_sem_seg.data[0] for s in data])
    # mmseg's CrossEntropyLoss (avg_non_ignore=False) averages over all pixels, ignored ones as 0
    expected = F.cross_entropy(logits, labels, ignore_index=255, reduction='sum') / labels.numel()
    torch.testing.assert_close(losses['loss_ce'], expected, rtol=1e-5, atol=1e-6)
    # the former head's accuracy too (the same logits, so the same argmax)
    acc = (logits.argmax(1) == labels)[labels != 255].float().mean() * 100
    torch.testing.assert_close(losses['acc_seg'], acc.reshape(1), rtol=0, atol=1e-4)


@pytest.mark.parametrize('align_corners', [False, True])
def test_predictions_equal_the_former_head(align_corners):
    head = make_head(num_classes=3, align_corners=align_corners)
    feat = torch.randn(2, 6, 3, 4)
    metas = [s.metainfo for s in samples(2, 48, 64, 3)]  # patch 16, padded to a multiple of 16
    pred = head.predict((feat, ), metas, {})
    expected = linear_upsample(head.conv_seg.weight, head.conv_seg.bias, feat, 16, align_corners)
    assert pred.shape == (2, 3, 48, 64)
    torch.testing.assert_close(pred, expected, rtol=1e-5, atol=1e-5)
    assert torch.equal(pred.argmax(1), expected.argmax(1))


def test_a_former_head_state_dict_loads_strictly():
    weight, bias = torch.randn(4, 6, 1, 1), torch.randn(4)
    head = make_head()
    head.load_state_dict({'conv_seg.weight': weight, 'conv_seg.bias': bias}, strict=True)
    feat = torch.randn(1, 6, 2, 2)
    torch.testing.assert_close(head.predict((feat, ), [dict(img_shape=(8, 8))], {}),
                               linear_upsample(weight, bias, feat, 4))


def test_hidden_width_must_be_the_input_width():
    with pytest.raises(AssertionError):  # mmseg's own check: no hidden layer without convs
        FCNHead(in_channels=6, channels=8, num_classes=4, **LINEAR_HEAD)
