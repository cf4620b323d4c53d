"""Attention Roll-Out: a hand-computed 2-block example, an independent reference, properties."""
import numpy as np
import pytest
import torch

from mmlife.visualization import (attention_rollout, discard_lowest, fuse_heads,
                                  rollout_to_grid)


def random_attention(B=2, heads=3, N=5, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, heads, N, N, generator=g, dtype=dtype).mul(2).softmax(-1)


def reference_rollout(attentions, head_fusion='mean', discard_ratio=0.0):
    """Loops over samples and rows in numpy; per-row discard by a full sort."""
    fuse = dict(mean=np.mean, max=np.max, min=np.min)[head_fusion]
    out = []
    for b in range(attentions[0].shape[0]):
        R = None
        for A in attentions:
            a = fuse(A[b].numpy(), axis=0)
            N = a.shape[-1]
            k = int(discard_ratio * N)
            a = a.copy()
            for i in range(N):
                order = sorted(range(N), key=lambda j: (a[i, j], j))
                for j in order[:k]:
                    a[i, j] = 0.0
            a = a + np.eye(N)
            a = a / a.sum(axis=1, keepdims=True)
            R = a if R is None else a @ R
        out.append(R)
    return np.stack(out)


def test_hand_computed_two_blocks():
    # block 1, two heads; mean = [[.5, .5], [.25, .75]]
    A1 = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.5, 0.5]]]])
    # block 2, one head
    A2 = torch.tensor([[[[1.0, 0.0], [0.5, 0.5]]]])
    # (A1 + I) / 2 = [[.75, .25], [.125, .875]];  (A2 + I) / 2 = [[1, 0], [.25, .75]]
    # R = Â2 Â1 = [[.75, .25], [.25*.75 + .75*.125, .25*.25 + .75*.875]]
    expected = torch.tensor([[[0.75, 0.25], [0.28125, 0.71875]]])
    assert torch.equal(attention_rollout([A1, A2]), expected)
    # max fusion of block 1: [[1, 1], [.5, 1]] -> +I: [[2, 1], [.5, 2]] -> rows / 3, / 2.5
    R_max = attention_rollout([A1, A2], head_fusion='max')
    A1max = torch.tensor([[2 / 3, 1 / 3], [0.2, 0.8]])
    A2hat = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    torch.testing.assert_close(R_max[0], A2hat @ A1max)
    # min fusion of block 1: [[0, 0], [0, .5]] -> +I: [[1, 0], [0, 1.5]] -> identity
    torch.testing.assert_close(attention_rollout([A1, A2], head_fusion='min')[0], A2hat)


@pytest.mark.parametrize('head_fusion', ['mean', 'max', 'min'])
@pytest.mark.parametrize('discard_ratio', [0.0, 0.4, 0.9])
def test_matches_reference(head_fusion, discard_ratio):
    attns = [random_attention(seed=s) for s in range(3)]
    got = attention_rollout(attns, head_fusion, discard_ratio)
    assert got.dtype == torch.float64 and got.shape == (2, 5, 5)
    np.testing.assert_allclose(got.numpy(), reference_rollout(attns, head_fusion, discard_ratio),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('head_fusion', ['mean', 'max', 'min'])
@pytest.mark.parametrize('discard_ratio', [0.0, 0.5])
def test_rows_sum_to_one(head_fusion, discard_ratio):
    attns = [random_attention(N=7, seed=s, dtype=torch.float32) for s in range(4)]
    R = attention_rollout(attns, head_fusion, discard_ratio)
    assert R.dtype == torch.float32
    torch.testing.assert_close(R.sum(-1), torch.ones(2, 7))
    assert (R >= 0).all()


def test_identity_attention_gives_identity():
    eye = torch.eye(6).expand(2, 4, 6, 6)
    for fusion in ('mean', 'max', 'min'):
        assert torch.equal(attention_rollout([eye] * 5, fusion), torch.eye(6).expand(2, 6, 6))


def test_discard_zero_is_no_discard():
    attns = [random_attention(seed=s) for s in range(3)]
    assert torch.equal(attention_rollout(attns, discard_ratio=0.0), attention_rollout(attns))
    a = fuse_heads(attns[0])
    assert discard_lowest(a, 0.0) is a
    # a ratio too small to drop a single entry of a row is no discard either
    assert torch.equal(discard_lowest(a, 0.19), a)


def test_discard_lowest_per_row():
    a = torch.tensor([[[0.1, 0.5, 0.2, 0.2], [0.4, 0.3, 0.2, 0.1]]])
    out = discard_lowest(a, 0.5)  # two lowest of every row; the tie 0.2/0.2 keeps the later one
    expected = torch.tensor([[[0.0, 0.5, 0.0, 0.2], [0.4, 0.3, 0.0, 0.0]]])
    assert torch.equal(out, expected)
    assert torch.equal(a, torch.tensor([[[0.1, 0.5, 0.2, 0.2], [0.4, 0.3, 0.2, 0.1]]]))


def test_fuse_heads():
    a = random_attention()
    assert torch.equal(fuse_heads(a, 'mean'), a.mean(1))
    assert torch.equal(fuse_heads(a, 'max'), a.max(1).values)
    assert torch.equal(fuse_heads(a, 'min'), a.min(1).values)
    assert fuse_heads(a[:, 0]) is not None and torch.equal(fuse_heads(a[:, 0]), a[:, 0])


def test_fused_input_equals_head_input():
    attns = [random_attention(seed=s) for s in range(2)]
    fused = [fuse_heads(a, 'max') for a in attns]
    assert torch.equal(attention_rollout(fused), attention_rollout(attns, 'max'))


def test_rollout_to_grid():
    R = torch.zeros(1, 1 + 6, 1 + 6)
    R[0, 0, 1:] = torch.arange(6.0)  # cls row over a 2x3 grid
    R[0, 1:, 1:] = torch.eye(6)
    grid = rollout_to_grid(R, (2, 3), num_extra_tokens=1, normalize=False)
    assert torch.equal(grid, torch.arange(6.0).reshape(1, 2, 3))
    grid = rollout_to_grid(R, (2, 3), num_extra_tokens=1)
    assert torch.equal(grid, torch.arange(6.0).reshape(1, 2, 3) / 5)
    mean_rows = rollout_to_grid(R, (2, 3), 1, token_index=None, normalize=False)
    torch.testing.assert_close(mean_rows, torch.full((1, 2, 3), 1 / 6))


def test_bad_input():
    a = random_attention()
    with pytest.raises(ValueError, match='head_fusion'):
        attention_rollout([a], head_fusion='median')
    with pytest.raises(ValueError, match='discard_ratio'):
        attention_rollout([a], discard_ratio=1.0)
    with pytest.raises(ValueError, match='at least one'):
        attention_rollout([])
    with pytest.raises(ValueError, match='does not match'):
        attention_rollout([a, random_attention(N=6)])
    with pytest.raises(ValueError, match='N x N'):
        attention_rollout([a[..., :3]])
    with pytest.raises(ValueError, match='B, heads, N, N'):
        attention_rollout([a[0, 0, 0]])
    R = attention_rollout([a])
    with pytest.raises(ValueError, match='needs 7'):
        rollout_to_grid(R, (2, 3), num_extra_tokens=1)
    with pytest.raises(ValueError, match='out of range'):
        rollout_to_grid(R, (2, 2), num_extra_tokens=1, token_index=5)
