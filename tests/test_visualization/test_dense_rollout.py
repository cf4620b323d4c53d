"""Dense Roll-Out: toy cases with known answers, token alignment, and the mmseg/mmdet runners."""
import numpy as np
import pytest
import torch

from mmlife.visualization import (boxes_to_masks, dense_rollout, grid_to_canvas,
                                  masks_to_token_weights)
from rollout_tiny_models import keep_default_scope  # noqa: F401  (autouse fixture)


def one_hot_rows(targets, n):
    return torch.eye(n)[targets]


def test_toy_two_regions():
    # 2x2 grid: the top row (tokens 0, 1) is class a and draws everything from token 0; the
    # bottom row (tokens 2, 3) is class b and draws everything from token 3.
    R = one_hot_rows([0, 0, 3, 3], 4)
    weights = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    out = dense_rollout(R, weights)
    assert torch.equal(out.global_map, torch.tensor([0.5, 0.0, 0.0, 0.5]))
    assert torch.equal(out.class_maps, torch.tensor([[0.5, 0.0, 0.0, -0.5],
                                                     [-0.5, 0.0, 0.0, 0.5]]))


def test_toy_fractional_weights_padding_and_cls_token():
    # cls token first (dropped), 3 patch tokens, the last one padding.
    R = torch.tensor([[1.0, 0.0, 0.0, 0.0],   # cls
                      [0.0, 0.6, 0.4, 0.0],   # token 0
                      [0.0, 0.2, 0.8, 0.0],   # token 1
                      [0.0, 0.0, 0.0, 1.0]])  # token 2 (padding)
    weights = torch.tensor([[1.0, 0.25, 1.0]])  # class covers token 0 and a quarter of token 1
    valid = torch.tensor([True, True, False])
    out = dense_rollout(R, weights, valid, num_extra_tokens=1)
    G = torch.tensor([0.4, 0.6, 0.0])  # mean of the two valid rows
    mean_c = (torch.tensor([0.6, 0.4, 0.0]) + 0.25 * torch.tensor([0.2, 0.8, 0.0])) / 1.25
    torch.testing.assert_close(out.global_map, G)
    torch.testing.assert_close(out.class_maps[0], mean_c - G)


def test_partition_of_classes_sums_to_zero():
    """If the classes partition the valid tokens, their area-weighted maps cancel out."""
    g = torch.Generator().manual_seed(0)
    R = torch.rand(12, 12, generator=g).softmax(-1)
    labels = torch.randint(0, 3, (12, ), generator=g)
    labels[:3] = torch.arange(3)
    weights = torch.stack([(labels == c).float() for c in range(3)])
    out = dense_rollout(R, weights)
    total = (weights.sum(1, keepdim=True) * out.class_maps).sum(0)
    torch.testing.assert_close(total, torch.zeros(12), atol=1e-6, rtol=0)


def test_masks_to_token_weights():
    # 4x6 canvas, 2x3 grid of 2x2 cells; the mask covers the left 3 columns, top 3 rows
    mask = torch.zeros(1, 4, 6)
    mask[0, :3, :3] = 1
    w = masks_to_token_weights(mask, (2, 3))
    assert torch.equal(w, torch.tensor([[1.0, 0.5, 0.0, 0.5, 0.25, 0.0]]))
    # a CNN grid rounds up: 5x5 canvas, stride 2 -> 3x3 grid, the last cells are half outside
    w = masks_to_token_weights(torch.ones(1, 5, 5), (3, 3), stride=(2, 2))
    assert torch.equal(w.reshape(3, 3), torch.tensor([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5],
                                                      [0.5, 0.5, 0.25]]))
    # a ViT drops a remainder: 5x5 canvas, patch 2 -> 2x2 grid, the last row/column is ignored
    w = masks_to_token_weights(torch.ones(1, 5, 5), (2, 2), stride=(2, 2))
    assert torch.equal(w, torch.ones(1, 4))


def test_grid_to_canvas():
    # a ramp 0, 1, 2 over 3 tokens of width 2: bilinear samples token coordinates
    # (x + 0.5) / 2 - 0.5 = -0.25, 0.25, ..., 2.25, clamped at the borders
    maps = torch.tensor([[0.0, 1.0, 2.0, 0.0, 1.0, 2.0]])
    out = grid_to_canvas(maps, (2, 3), (4, 6))
    assert out.shape == (1, 4, 6)
    assert torch.equal(out[0], torch.tensor([0.0, 0.25, 0.75, 1.25, 1.75, 2.0]).expand(4, 6))
    # canvas larger than the grid: zeros where the grid does not reach
    out = grid_to_canvas(torch.ones(1, 4), (2, 2), (5, 5), stride=(2, 2))
    assert out[0, 4].sum() == 0 and out[0, :, 4].sum() == 0 and out[0, :4, :4].eq(1).all()


def test_boxes_to_masks():
    boxes = torch.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 0.5, 1.0, 1.5]])
    m = boxes_to_masks(boxes, (3, 4))
    assert torch.equal(m[0], torch.tensor([[0.0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]))
    assert torch.equal(m[1], torch.tensor([[0.25, 0, 0, 0], [0.25, 0, 0, 0], [0, 0, 0, 0]]))
    assert m[1].sum() == 0.5 * 1.0  # the box area


def test_bad_input():
    R = torch.eye(4)
    with pytest.raises(ValueError, match=r'\(K, 4\)'):
        dense_rollout(R, torch.ones(2, 3))
    with pytest.raises(ValueError, match='non-negative'):
        dense_rollout(R, -torch.ones(1, 4))
    with pytest.raises(ValueError, match='cover no valid token'):
        dense_rollout(R, torch.tensor([[0.0, 0.0, 1.0, 1.0]]),
                      valid=torch.tensor([True, True, False, False]))
    with pytest.raises(ValueError, match='one image'):
        dense_rollout(R[None], torch.ones(1, 4))
    with pytest.raises(ValueError, match='bool'):
        dense_rollout(R, torch.ones(1, 4), valid=torch.ones(4))
    with pytest.raises(ValueError, match='K, H, W'):
        masks_to_token_weights(torch.ones(4, 4), (2, 2))


# ----------------------------------------------------------------------------------------------
# The mmseg / mmdet runners on tiny random models
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    import rollout_tiny_models as tm
    folder = str(tmp_path_factory.mktemp('tiny'))
    return dict(seg=tm.write_seg(folder), det=tm.write_det(folder),
                images=tm.write_images(folder))


def test_seg_dense_rollout(tiny):
    from mmseg.apis import inference_model

    from mmlife.visualization import init_model, seg_dense_rollout
    model, task = init_model(*tiny['seg'])
    assert task == 'seg'
    with pytest.raises(RuntimeError, match='whole'):  # the config slides a window
        seg_dense_rollout(model, tiny['images'][0])
    model.test_cfg['mode'] = 'whole'
    for image in tiny['images']:
        res = seg_dense_rollout(model, image)
        plain = inference_model(model, image).pred_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(res.seg, plain)  # recording does not change predictions
        H, W = plain.shape
        ids, counts = np.unique(plain, return_counts=True)
        assert res.class_ids == [int(c) for c in ids[np.argsort(-counts, kind='stable')]]
        assert res.class_names == [['road', 'tree', 'sky'][c] for c in res.class_ids]
        assert res.image.shape == (H, W, 3) and res.global_map.shape == (H, W)
        assert res.class_maps.shape == (len(ids), H, W)
        assert np.isfinite(res.class_maps).all() and (res.global_map > 0).all()
    assert seg_dense_rollout(model, image, max_classes=1).class_maps.shape[0] == 1


def test_det_dense_rollout(tiny):
    from mmdet.apis import inference_detector

    from mmlife.visualization import det_dense_rollout, init_model
    model, task = init_model(*tiny['det'])
    assert task == 'det'
    image = tiny['images'][0]
    plain = inference_detector(model, image).pred_instances
    thr = float(plain.scores.sort(descending=True).values[3])  # keep the 4 best boxes
    res = det_dense_rollout(model, image, score_thr=thr)
    keep = plain.scores >= thr
    np.testing.assert_array_equal(res.boxes, plain.bboxes[keep].numpy())
    order = plain.scores[keep].argsort(descending=True)
    expected = list(dict.fromkeys(int(c) for c in plain.labels[keep][order]))
    assert res.class_ids == expected
    assert res.grid_hw == (4, 5)  # 120x144 input, stride 32, rounded up
    assert res.class_maps.shape == (len(expected), 40, 48)
    assert np.isfinite(res.class_maps).all()
    # nothing scores the threshold: no class maps, the same global map
    empty = det_dense_rollout(model, image, score_thr=1.01)
    assert empty.class_ids == [] and empty.class_names == [] and len(empty.boxes) == 0
    assert empty.class_maps.shape == (0, 40, 48)
    np.testing.assert_allclose(empty.global_map, res.global_map, rtol=1e-6, atol=1e-7)
