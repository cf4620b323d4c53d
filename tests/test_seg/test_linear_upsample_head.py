"""LinearUpsampleHead: numerics against a reference, loss/predict sizes, gradients, bad input."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlife.seg.models import LinearUpsampleHead


def make_head(C=6, num_classes=4, **kwargs):
    torch.manual_seed(0)
    head = LinearUpsampleHead(in_channels=C, num_classes=num_classes, dropout_ratio=0., **kwargs)
    with torch.no_grad():  # a non-trivial bias, so that a missing bias shows
        head.conv_seg.weight.normal_()
        head.conv_seg.bias.normal_()
    return head


def reference(head, feat, up_scale):
    """Upsample the features first, then apply the linear layer pixel by pixel with a matmul.

    Bilinear interpolation and the per-token linear layer are both linear maps that act on
    different axes, so they commute (interpolation weights sum to 1, so the bias commutes too).
    """
    up = F.interpolate(feat, scale_factor=up_scale, mode='bilinear', align_corners=False)
    W = head.conv_seg.weight[:, :, 0, 0]
    return torch.einsum('bchw,kc->bkhw', up, W) + head.conv_seg.bias[None, :, None, None]


@pytest.mark.parametrize('up_scale', [1, 2, 16])
@pytest.mark.parametrize('hw', [(1, 1), (3, 5)])
def test_matches_reference(up_scale, hw):
    head = make_head(up_scale=up_scale)
    feat = torch.randn(2, 6, *hw)
    out = head((feat, ))
    assert out.shape == (2, 4, hw[0] * up_scale, hw[1] * up_scale)
    torch.testing.assert_close(out, reference(head, feat, up_scale), rtol=1e-5, atol=1e-5)


def test_is_a_single_linear_layer():
    head = make_head(C=192, num_classes=19)
    assert sum(p.numel() for p in head.parameters()) == 192 * 19 + 19
    assert head.channels == 192


def test_resize_concat_selects_and_concatenates():
    torch.manual_seed(0)
    head = LinearUpsampleHead(in_channels=[2, 3], in_index=[0, 1], input_transform='resize_concat',
                              num_classes=5, up_scale=4, dropout_ratio=0.)
    assert head.channels == 5
    a, b = torch.randn(1, 2, 4, 4), torch.randn(1, 3, 4, 4)
    torch.testing.assert_close(head((a, b)), reference(head, torch.cat([a, b], 1), 4))


def test_uses_last_feature_map_by_default():
    head = make_head(up_scale=2)
    early, last = torch.randn(1, 6, 2, 2), torch.randn(1, 6, 2, 2)
    torch.testing.assert_close(head((early, last)), reference(head, last, 2))


def test_gradients_float64():
    head = make_head(C=3, num_classes=3, up_scale=2).double()
    feat = torch.randn(1, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda f: head((f, )), (feat, ))


def test_loss_and_predict_at_label_and_image_size():
    head = make_head(num_classes=3, up_scale=4)
    feat = torch.randn(2, 6, 3, 4)  # a 12x16 input with 4x4 patches
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(12, 16), pad_shape=(12, 16)))
        label = torch.randint(0, 3, (1, 12, 16))
        label[0, :2] = 255  # ignored
        s.gt_sem_seg = PixelData(data=label)
        samples.append(s)
    losses = head.loss((feat, ), samples, train_cfg={})
    logits = reference(head, feat, 4)
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    # mmseg's CrossEntropyLoss (avg_non_ignore=False) averages over all pixels, ignored ones as 0
    expected = F.cross_entropy(logits, labels, ignore_index=255, reduction='sum') / labels.numel()
    torch.testing.assert_close(losses['loss_ce'], expected, rtol=1e-5, atol=1e-6)
    assert head.predict((feat, ), [s.metainfo for s in samples], {}).shape == (2, 3, 12, 16)


@pytest.mark.parametrize('kwargs, match', [
    (dict(channels=8), 'channels must equal the input width 6'),
    (dict(up_scale=0), 'up_scale must be a positive int'),
    (dict(up_scale=1.5), 'up_scale must be a positive int'),
    (dict(in_index=[0, 1], input_transform='multiple_select'), 'multiple_select'),
])
def test_bad_arguments(kwargs, match):
    in_channels = kwargs.pop('in_channels', [6, 6] if 'input_transform' in kwargs else 6)
    with pytest.raises(ValueError, match=match):
        LinearUpsampleHead(in_channels=in_channels, num_classes=4, **kwargs)


def test_bad_feature_map():
    head = make_head()
    msg = r'expects a \(B, 6, h, w\) feature map, got \(2, 5, 3, 3\)'
    with pytest.raises(ValueError, match=msg):
        head((torch.randn(2, 5, 3, 3), ))
    with pytest.raises(ValueError, match='feature map'):
        head((torch.randn(2, 9, 6), ))  # tokens instead of a map
