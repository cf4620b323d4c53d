"""Dense Attention Roll-Out: class-specific attention maps for dense prediction (LIFE, Sec. 4.3).

A detector or segmenter has no cls token whose roll-out row explains the prediction. Dense
Roll-Out uses the roll-out rows of *all* tokens instead:

1. ``R`` = Attention Roll-Out of the transformer (ViT backbone for segmentation, DETR encoder for
   detection) over its patch tokens; row ``t`` is where token ``t`` draws its information from.
2. For each predicted class ``c``, the tokens spatially aligned with its predicted pixels (or
   boxes) get weight ``w_c(t)`` = the fraction of token ``t``'s cell that class ``c`` covers.
3. The class map is the weighted mean of those tokens' rows minus the global content, the mean
   row over all (valid) tokens ``G``:

       M_c = sum_t w_c(t) R[t, :] / sum_t w_c(t)  -  G,     G = mean_t R[t, :].

``M_c`` is signed (more / less than the average token draws from each place); figures show its
positive part. This module is pure tensor code; :mod:`mmlife.visualization.inference` runs mmseg
and mmdet models through it.
"""
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F


class DenseRollout(NamedTuple):
    """Output of :func:`dense_rollout` on the token grid.

    Attributes:
        global_map (Tensor): ``(M,)`` mean roll-out row over the valid tokens (``G``).
        class_maps (Tensor): ``(K, M)`` class-specific maps ``M_c`` (signed).
    """
    global_map: torch.Tensor
    class_maps: torch.Tensor


def dense_rollout(rollout: torch.Tensor,
                  token_weights: torch.Tensor,
                  valid: Optional[torch.Tensor] = None,
                  num_extra_tokens: int = 0) -> DenseRollout:
    """Class-specific maps from the roll-out of every token (one image).

    Args:
        rollout (Tensor): ``(N, N)`` roll-out (see :func:`attention_rollout`), extra tokens first.
            Rows and columns of extra tokens are dropped: the maps live on the patch tokens.
        token_weights (Tensor): ``(K, M)`` non-negative weight of each of the ``M = N -
            num_extra_tokens`` patch tokens for each of ``K`` classes, e.g. from
            :func:`masks_to_token_weights`. Every class needs a positive total weight.
        valid (Tensor, optional): ``(M,)`` bool, False for padding tokens: they count neither in
            the global mean nor in any class. Defaults to all valid.
        num_extra_tokens (int): leading non-patch tokens of ``rollout``. Defaults to 0.

    Returns:
        DenseRollout: ``global_map`` ``(M,)`` and ``class_maps`` ``(K, M)``.
    """
    if rollout.dim() != 2 or rollout.shape[0] != rollout.shape[1]:
        raise ValueError(f'rollout must be (N, N) for one image, got {tuple(rollout.shape)}')
    M = rollout.shape[0] - num_extra_tokens
    if num_extra_tokens < 0 or M < 1:
        raise ValueError(f'num_extra_tokens={num_extra_tokens} does not fit {rollout.shape[0]} '
                         'tokens')
    if token_weights.dim() != 2 or token_weights.shape[1] != M:
        raise ValueError(f'token_weights must be (K, {M}) (one weight per patch token), got '
                         f'{tuple(token_weights.shape)}')
    if (token_weights < 0).any():
        raise ValueError('token_weights must be non-negative')
    R = rollout[num_extra_tokens:, num_extra_tokens:]
    w = token_weights.to(R.dtype)
    if valid is None:
        valid = torch.ones(M, dtype=torch.bool, device=R.device)
    if valid.shape != (M,) or valid.dtype != torch.bool:
        raise ValueError(f'valid must be a bool tensor of shape ({M},), got '
                         f'{valid.dtype} {tuple(valid.shape)}')
    if not valid.any():
        raise ValueError('no valid token')
    global_map = R[valid].mean(dim=0)
    w = w * valid.to(R.dtype)
    total = w.sum(dim=1, keepdim=True)
    if (total <= 0).any():
        empty = torch.nonzero(total[:, 0] <= 0)[:, 0].tolist()
        raise ValueError(f'classes at rows {empty} of token_weights cover no valid token')
    class_maps = (w @ R) / total - global_map
    return DenseRollout(global_map, class_maps)


def _stride(canvas_hw: Sequence[int], grid_hw: Sequence[int]) -> Tuple[int, int]:
    return tuple(max(1, round(c / g)) for c, g in zip(canvas_hw, grid_hw))


def masks_to_token_weights(masks: torch.Tensor,
                           grid_hw: Sequence[int],
                           stride: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Fraction of every token cell that each mask covers.

    Token ``(i, j)`` of an ``h x w`` grid covers pixels ``[i*s_h, (i+1)*s_h) x [j*s_w,
    (j+1)*s_w)`` of the network input (``s`` = patch size or backbone stride); pixels beyond the
    grid (a ViT drops a remainder) are ignored, cells beyond the input (a CNN rounds up) count the
    missing pixels as uncovered.

    Args:
        masks (Tensor): ``(K, H, W)`` bool or float in ``[0, 1]`` on the network input canvas.
        grid_hw (tuple[int, int]): the token grid ``(h, w)``.
        stride (tuple[int, int], optional): cell size in pixels; defaults to
            ``round(H / h), round(W / w)``.

    Returns:
        Tensor: ``(K, h * w)`` float32 in ``[0, 1]``.
    """
    if masks.dim() != 3:
        raise ValueError(f'masks must be (K, H, W), got {tuple(masks.shape)}')
    h, w = grid_hw
    sh, sw = stride if stride is not None else _stride(masks.shape[-2:], grid_hw)
    m = masks.float()[:, :h * sh, :w * sw]
    m = F.pad(m, (0, w * sw - m.shape[-1], 0, h * sh - m.shape[-2]))
    return F.avg_pool2d(m[None], (sh, sw))[0].flatten(1)


def grid_to_canvas(maps: torch.Tensor, grid_hw: Sequence[int], canvas_hw: Sequence[int],
                   stride: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Inverse of :func:`masks_to_token_weights` for display: ``(K, h*w)`` -> ``(K, H, W)``
    (bilinear inside the grid, zero where the grid does not reach)."""
    h, w = grid_hw
    H, W = canvas_hw
    sh, sw = stride if stride is not None else _stride(canvas_hw, grid_hw)
    m = maps.reshape(-1, 1, h, w).float()
    m = F.interpolate(m, size=(h * sh, w * sw), mode='bilinear', align_corners=False)[:, 0]
    m = m[:, :H, :W]
    return F.pad(m, (0, W - m.shape[-1], 0, H - m.shape[-2]))


def boxes_to_masks(boxes: torch.Tensor, canvas_hw: Sequence[int]) -> torch.Tensor:
    """``(M, 4)`` x1y1x2y2 boxes (pixels, on the canvas) -> ``(M, H, W)`` float masks with
    fractional coverage of border pixels, so boxes smaller than a pixel still count."""
    H, W = canvas_hw
    boxes = boxes.float()
    ys = torch.arange(H, dtype=torch.float32, device=boxes.device)
    xs = torch.arange(W, dtype=torch.float32, device=boxes.device)

    def cover(lo, hi, coords):  # overlap of [lo, hi] with each pixel [c, c + 1]
        return (torch.minimum(hi[:, None], coords + 1) -
                torch.maximum(lo[:, None], coords)).clamp(0, 1)

    cy = cover(boxes[:, 1], boxes[:, 3], ys)  # (M, H)
    cx = cover(boxes[:, 0], boxes[:, 2], xs)  # (M, W)
    return cy[:, :, None] * cx[:, None, :]
