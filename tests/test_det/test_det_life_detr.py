"""LIFEDETR: loss and predict for each variant, the grid and padding mask reaching LIFE,
parameter counts, initialisation and ImageNet-pretrained backbone loading."""
import math
import os.path as osp

import pytest
import torch

from det_helpers import (BACKBONES, BCCD, REPO, VARIANTS, build_model, config_path, det_batch,
                         single_thread)  # noqa: F401
from mmlife.det.models import LIFEMultiheadAttention
from mmlife.models import LIFE

pytestmark = pytest.mark.usefixtures('single_thread')
C = 256


def attentions(model):
    return [m for m in (*model.encoder.modules(), *model.decoder.modules())
            if isinstance(m, LIFEMultiheadAttention)]


@pytest.mark.parametrize('backbone', BACKBONES)
@pytest.mark.parametrize('variant', VARIANTS)
def test_loss_backward_and_predict(backbone, variant):
    model = build_model(config_path(backbone, variant))
    imgs, samples = det_batch()
    model.train()
    losses = model.loss(imgs, samples)
    assert {'loss_cls', 'loss_bbox', 'loss_iou', 'd0.loss_cls'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    model.zero_grad()
    total.backward()
    enc_attn = model.encoder.layers[0].self_attn
    for name, p in [*enc_attn.named_parameters(), *model.backbone.named_parameters()]:
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    model.eval()
    with torch.no_grad():
        results = model.predict(imgs, samples)
    for res, s in zip(results, samples):
        pred = res.pred_instances
        assert pred.bboxes.shape == (100, 4) and pred.scores.shape == (100, )
        h, w = s.ori_shape
        assert (pred.bboxes[:, 0::2] <= w + 1e-4).all() and (pred.bboxes[:, 1::2] <= h + 1e-4).all()
        assert ((pred.labels >= 0) & (pred.labels < 20)).all()


CONDITIONAL_LIFE = osp.join(
    REPO, 'configs', 'detection', 'conditional_detr',
    'conditional-detr_deit-tiny-life_encdec-life_1xb16-50e_groceries-320x320.py')


@pytest.mark.parametrize('path', [config_path('deit-tiny', 'encdec-life'), CONDITIONAL_LIFE],
                         ids=['detr', 'conditional-detr'])
def test_encoder_life_gets_grid_and_padding_mask(monkeypatch, path):
    """LIFEDETR and LIFEConditionalDETR (whose DeiT-T-LIFE backbone calls LIFE too, on its own
    grid with a class token and no mask)."""
    model = build_model(path).eval()
    backbone_lifes = [m for m in model.backbone.modules() if isinstance(m, LIFE)]
    calls = []
    forward = LIFE.forward

    def spy(self, x, hw_shape, num_extra_tokens=0, key_padding_mask=None):
        calls.append((self, tuple(hw_shape), key_padding_mask))
        return forward(self, x, hw_shape, num_extra_tokens, key_padding_mask)

    monkeypatch.setattr(LIFE, 'forward', spy)
    imgs, samples = det_batch(sizes=((64, 64), (64, 48)))  # image 1: last 16 columns padded
    with torch.no_grad():
        model.predict(imgs, samples)
    encoder_lifes = [m for m in model.encoder.modules() if isinstance(m, LIFE)]
    encoder_calls = [c for c in calls if not any(c[0] is m for m in backbone_lifes)]
    assert [c[0] for c in encoder_calls] == encoder_lifes  # 6 encoder layers
    assert len(calls) == len(encoder_calls) + len(backbone_lifes)  # and the backbone's, once
    expected = torch.zeros(2, 4, 4, dtype=torch.bool)
    expected[1, :, 3] = True  # patch 16: 64 x 48 of a 64 x 64 batch is 4 x 3 of the 4 x 4 map
    for _, hw, mask in encoder_calls:
        assert hw == (4, 4)
        assert torch.equal(mask, expected.flatten(1))
    calls.clear()
    imgs, samples = det_batch(sizes=((64, 64), (64, 64)))  # no padding: no mask
    with torch.no_grad():
        model.predict(imgs, samples)
    assert all(mask is None for _, _, mask in calls)


def _linear(i, o):
    return i * o + o


def _life_params(c, kernels=(1, 3, 5)):
    """LIFE's parameters written out: scale widths 3 * (86, 85, 85) for c = 256."""
    d = [c // 3 + (s < c % 3) for s in range(3)]
    widths = [3 * x for x in d]
    ins = [c] + widths[:-1]
    pw = sum(_linear(i, o) for i, o in zip(ins, widths))
    dw = sum(w * k * k + w for w, k in zip(ins[1:], kernels[1:]))
    return pw + dw


def test_encdec_has_no_input_projection():
    model = build_model(config_path('deit-tiny', 'encdec'))
    attns = attentions(model)
    assert len(attns) == 18  # 6 encoder self, 6 decoder self, 6 decoder cross
    for attn in attns:
        assert attn.qkv is None
        assert {n for n, _ in attn.named_parameters()} == {'out_proj.weight', 'out_proj.bias'}
    coder_names = [n for n, _ in (*model.encoder.named_parameters(),
                                  *model.decoder.named_parameters())]
    assert not [n for n in coder_names if 'qkv' in n or 'in_proj' in n]


def test_parameter_counts_of_the_variants():
    n = {(b, v): sum(p.numel() for p in build_model(config_path(b, v)).parameters())
         for b in BACKBONES for v in VARIANTS}
    lin = _linear(C, 3 * C)
    for b in BACKBONES:
        assert n[b, 'encdec-linear'] - n[b, 'encdec'] == 18 * lin
        assert n[b, 'encdec-life'] - n[b, 'encdec-linear'] == 6 * (_life_params(C) - lin)
    # DeiT-T-LIFE adds the depthwise convs of 12 LIFEs (192 channels per scale)
    for v in VARIANTS:
        assert n['deit-tiny-life', v] - n['deit-tiny', v] == 12 * (
            192 * 9 + 192 + 192 * 25 + 192)
    assert _life_params(C) == 206841


def test_init_weights_depthwise_fans():
    model = build_model(config_path('deit-tiny', 'encdec-life', BCCD))
    model.init_weights()
    convs = [dw for m in model.encoder.modules() if isinstance(m, LIFE) for dw in m.depthwise]
    assert len(convs) == 12
    for conv in convs:
        k = conv.kernel_size[0]
        bound = math.sqrt(3) / k  # Xavier uniform with fan_in = fan_out = k * k
        w = conv.weight
        assert w.abs().max() <= bound
        assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.15)
    # the rest of the coders keeps DETR's Xavier init
    W = model.encoder.layers[0].self_attn.out_proj.weight
    assert W.abs().max() <= math.sqrt(6 / (2 * C))


def _qkv_std(qkv_proj, qkv_init='xavier'):
    """Std of Q, K and V (each ``C`` wide) that the first encoder attention of a freshly
    initialised DeiT-T DETR makes from unit-variance tokens on a 16 x 16 grid."""
    from mmengine.registry import init_default_scope
    from mmdet.registry import MODELS

    from det_helpers import load_config
    variant = 'encdec-life' if qkv_proj == 'life' else 'encdec-linear'
    cfg = load_config(config_path('deit-tiny', variant, BCCD))
    cfg.model.backbone.update(img_size=64, init_cfg=None)
    cfg.model.encoder.layer_cfg.self_attn_cfg.qkv_init = qkv_init
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    attn = model.encoder.layers[0].self_attn
    x = torch.randn(4, 16 * 16, C, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = attn.qkv(x, (16, 16)) if qkv_proj == 'life' else attn.qkv(x)
    return torch.stack([part.std() for part in out.split(C, dim=-1)]), attn.qkv


def test_qkv_init_linear_starts_life_at_the_linears_scale():
    linear, _ = _qkv_std('linear')
    assert linear == pytest.approx([math.sqrt(0.5)] * 3, rel=0.05)  # Xavier with fans C, 3C
    xavier, _ = _qkv_std('life')
    assert (xavier / linear).tolist() == pytest.approx([math.sqrt(2)] * 3, rel=0.1)
    matched, life = _qkv_std('life', 'linear')
    assert (matched / linear).tolist() == pytest.approx([1.] * 3, rel=0.1)
    # only scale 1's point-wise layer changes: Xavier bound of Linear(C, 3C)
    assert life.pointwise[0].weight.abs().max() <= math.sqrt(6 / (4 * C))
    assert life.pointwise[1].weight.abs().max() > math.sqrt(6 / (4 * C))


def test_qkv_init_is_checked():
    with pytest.raises(ValueError, match='qkv_init must be one of'):
        LIFEMultiheadAttention(C, 8, qkv_proj='life', qkv_init='kaiming')
    with pytest.raises(ValueError, match="is for qkv_proj='life'"):
        LIFEMultiheadAttention(C, 8, qkv_proj='linear', qkv_init='linear')


def test_pretrained_backbone_is_loaded_and_pos_embed_resized(tmp_path):
    """An mmpretrain classifier checkpoint (224 px, keys backbone.* and head.*) initialises
    the backbone of the *-in1k-pre configs; the 14 x 14 position embedding becomes 32 x 32."""
    from mmengine.registry import init_default_scope
    from mmdet.registry import MODELS
    from mmpretrain.models.utils import resize_pos_embed

    from det_helpers import load_config
    from mmlife.models import LIFEVisionTransformer
    torch.manual_seed(1)
    cls_backbone = LIFEVisionTransformer(arch='deit-tiny', img_size=224, patch_size=16,
                                         use_life=True)
    state = {f'backbone.{k}': v for k, v in cls_backbone.state_dict().items()}
    state['head.layers.head.weight'] = torch.zeros(1000, 192)
    ckpt = tmp_path / 'deit-tiny-life_in1k.pth'
    torch.save(dict(state_dict=state, meta=dict()), ckpt)

    cfg = load_config(config_path('deit-tiny-life', 'encdec-life', BCCD, pretrained=True))
    cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    loaded = model.backbone.state_dict()
    for k, v in cls_backbone.state_dict().items():
        if k == 'pos_embed':
            expected = resize_pos_embed(v, (14, 14), (32, 32), mode='bicubic',
                                        num_extra_tokens=1)
            assert loaded[k].shape == (1, 1 + 32 * 32, 192)
            torch.testing.assert_close(loaded[k], expected)
        else:
            assert torch.equal(loaded[k], v), k


def test_bad_layer_configs():
    from mmlife.det.models import LIFEDetrTransformerDecoder, LIFEDetrTransformerEncoder
    attn = dict(embed_dims=32, num_heads=4)
    ffn = dict(embed_dims=32, feedforward_channels=64)
    with pytest.raises(ValueError, match='object queries'):
        LIFEDetrTransformerDecoder(1, dict(self_attn_cfg=dict(attn, qkv_proj='life'),
                                           cross_attn_cfg=dict(attn), ffn_cfg=ffn))
    with pytest.raises(ValueError, match='object queries'):
        LIFEDetrTransformerDecoder(1, dict(self_attn_cfg=dict(attn),
                                           cross_attn_cfg=dict(attn, qkv_proj='life'),
                                           ffn_cfg=ffn))
    with pytest.raises(ValueError, match='num_cp'):
        LIFEDetrTransformerEncoder(2, dict(self_attn_cfg=dict(attn), ffn_cfg=ffn), num_cp=1)
    enc = LIFEDetrTransformerEncoder(2, dict(self_attn_cfg=dict(attn, qkv_proj='life'),
                                             ffn_cfg=ffn))
    with pytest.raises(ValueError, match='hw_shape'):  # LIFE needs the grid
        enc(torch.randn(1, 6, 32), torch.zeros(1, 6, 32), None)
    assert enc(torch.randn(1, 6, 32), torch.zeros(1, 6, 32), None, hw_shape=(2, 3)).shape == (
        1, 6, 32)


@pytest.mark.parametrize('qkv_proj', ['linear', 'life'])
def test_pre_norm_encoder_against_its_formula(qkv_proj):
    """pre_norm=True: x + attn(norm0(x)), then + ffn(norm1(.)), a final norm after the last
    layer (checked against the layer's own pieces, float64); pre_norm=False is mmdet's layer."""
    from mmdet.models.layers import DetrTransformerEncoderLayer
    from mmlife.det.models import LIFEDetrTransformerEncoder
    cfg = dict(self_attn_cfg=dict(embed_dims=32, num_heads=4, qkv_proj=qkv_proj),
               ffn_cfg=dict(embed_dims=32, feedforward_channels=64))
    torch.manual_seed(0)
    enc = LIFEDetrTransformerEncoder(2, dict(cfg, pre_norm=True)).double().eval()
    for p in enc.parameters():  # non-trivial norms
        p.data.add_(0.1 * torch.randn_like(p))
    x, pos = torch.randn(2, 6, 32, dtype=torch.float64), torch.randn(2, 6, 32,
                                                                   dtype=torch.float64)
    mask = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    want = x
    for layer in enc.layers:
        h = layer.norms[0](want)
        want = want + (layer.self_attn(h, h, h, query_pos=pos, key_pos=pos,
                                       key_padding_mask=mask, hw_shape=(2, 3)) - h)
        want = want + (layer.ffn(layer.norms[1](want)) - layer.norms[1](want))
    want = enc.final_norm(want)
    torch.testing.assert_close(enc(x, pos, mask, hw_shape=(2, 3)), want)
    post = LIFEDetrTransformerEncoder(1, cfg)
    assert post.final_norm is None and not post.layers[0].pre_norm
    assert DetrTransformerEncoderLayer.forward is not type(post.layers[0]).forward  # own forward
    y = torch.randn(1, 6, 32)
    torch.testing.assert_close(  # post-norm: exactly mmdet's forward
        post(y, torch.zeros_like(y), None, hw_shape=(2, 3)),
        DetrTransformerEncoderLayer.forward(post.layers[0], y, torch.zeros_like(y), None,
                                            hw_shape=(2, 3)))
