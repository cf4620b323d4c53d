"""Attention Roll-Out (Abnar & Zuidema, "Quantifying Attention Flow in Transformers", ACL 2020).

Each block's attention ``A_l`` (B, heads, N, N) is fused over heads, optionally sparsified by
discarding the lowest weights, and the residual connection is accounted for by adding the
identity and renormalising the rows: ``Â_l = (A_l + I) / rowsum(A_l + I)``. The roll-out is the
product over blocks, later blocks on the left:

    R = Â_L · Â_{L-1} ··· Â_1,

so row ``i`` of ``R`` is how much output token ``i`` draws on each input token. For a classifier
the cls token's row, reshaped to the patch grid, is the usual heat map.
"""
from typing import Optional, Sequence, Tuple

import torch

HEAD_FUSIONS = ('mean', 'max', 'min')


def fuse_heads(attn: torch.Tensor, head_fusion: str = 'mean') -> torch.Tensor:
    """Fuse the heads of ``(B, heads, N, N)`` attention into ``(B, N, N)``.

    Args:
        attn (Tensor): ``(B, heads, N, N)``; a ``(B, N, N)`` tensor is returned unchanged
            (already fused, or single-head attention without a head axis).
        head_fusion (str): ``'mean'``, ``'max'`` or ``'min'`` over heads.
    """
    if head_fusion not in HEAD_FUSIONS:
        raise ValueError(f'head_fusion must be one of {HEAD_FUSIONS}, got {head_fusion!r}')
    if attn.dim() == 3:
        return attn
    if attn.dim() != 4:
        raise ValueError('attention must be (B, heads, N, N) or (B, N, N), got '
                         f'{tuple(attn.shape)}')
    if head_fusion == 'mean':
        return attn.mean(dim=1)
    if head_fusion == 'max':
        return attn.amax(dim=1)
    return attn.amin(dim=1)


def discard_lowest(attn: torch.Tensor, discard_ratio: float) -> torch.Tensor:
    """Zero the ``floor(discard_ratio * N)`` lowest weights of every row of ``(..., N, N)``.

    The discard is per row (per query token), so every token keeps its strongest links, which
    matters for Dense Roll-Out where every row is used (Abnar & Zuidema's reference code discards
    over the whole matrix, which can empty the rows of whole regions). Ties are broken by index.
    ``discard_ratio=0`` returns ``attn`` unchanged.
    """
    if not 0.0 <= discard_ratio < 1.0:
        raise ValueError(f'discard_ratio must be in [0, 1), got {discard_ratio}')
    k = int(discard_ratio * attn.shape[-1])
    if k == 0:
        return attn
    lowest = attn.topk(k, dim=-1, largest=False).indices
    return attn.scatter(-1, lowest, 0.0)


def attention_rollout(attentions: Sequence[torch.Tensor],
                      head_fusion: str = 'mean',
                      discard_ratio: float = 0.0,
                      add_identity: bool = True) -> torch.Tensor:
    """Attention Roll-Out over a sequence of blocks.

    Args:
        attentions (Sequence[Tensor]): per block, first block first, ``(B, heads, N, N)``
            softmax probabilities (e.g. :attr:`AttentionRecorder.attentions`) or ``(B, N, N)``
            already fused. All blocks must share ``B`` and ``N``.
        head_fusion (str): ``'mean'`` (Abnar & Zuidema), ``'max'`` or ``'min'``.
        discard_ratio (float): fraction of the lowest weights of every fused row to zero before
            adding the identity (see :func:`discard_lowest`). Defaults to 0 (no discard).
        add_identity (bool): add the identity for the residual connection and renormalise the
            rows. Defaults to True.

    Returns:
        Tensor: ``(B, N, N)`` roll-out in float32 (float64 if the input is float64); with
        ``add_identity`` every row sums to 1.
    """
    if len(attentions) == 0:
        raise ValueError('attention_rollout needs at least one block of attention, got none')
    dtype = torch.float64 if attentions[0].dtype == torch.float64 else torch.float32
    shape = None
    result = None
    for i, attn in enumerate(attentions):
        fused = fuse_heads(attn, head_fusion).to(dtype)
        if fused.shape[-1] != fused.shape[-2]:
            raise ValueError(f'block {i}: roll-out needs self-attention (N x N), got '
                             f'{tuple(attn.shape)}')
        if shape is None:
            shape = fused.shape
        elif fused.shape != shape:
            raise ValueError(f'block {i}: attention of shape {tuple(attn.shape)} does not match '
                             f'the first block {tuple(shape)} (roll-out needs the same tokens in '
                             'every block)')
        fused = discard_lowest(fused, discard_ratio)
        if add_identity:
            fused = fused + torch.eye(fused.shape[-1], dtype=dtype, device=fused.device)
            fused = fused / fused.sum(dim=-1, keepdim=True)
        result = fused if result is None else fused @ result
    return result


def rollout_to_grid(rollout: torch.Tensor,
                    hw_shape: Tuple[int, int],
                    num_extra_tokens: int = 1,
                    token_index: Optional[int] = 0,
                    normalize: bool = True) -> torch.Tensor:
    """One row of a roll-out (by default the cls token's) as a heat map on the patch grid.

    Args:
        rollout (Tensor): ``(B, N, N)`` from :func:`attention_rollout`, tokens laid out extra
            tokens first, then ``H * W`` patch tokens in row-major order.
        hw_shape (tuple[int, int]): the patch grid ``(H, W)``.
        num_extra_tokens (int): number of leading extra tokens (cls, dist). Defaults to 1.
        token_index (int, optional): the row to take (0 = cls). ``None`` averages the rows of
            the patch tokens (the "global" attention of a model without a cls token).
        normalize (bool): divide every map by its maximum. Defaults to True.

    Returns:
        Tensor: ``(B, H, W)``.
    """
    if rollout.dim() != 3 or rollout.shape[-1] != rollout.shape[-2]:
        raise ValueError(f'rollout must be (B, N, N), got {tuple(rollout.shape)}')
    H, W = hw_shape
    N = rollout.shape[-1]
    if N != num_extra_tokens + H * W:
        raise ValueError(f'rollout has {N} tokens, but hw_shape={tuple(hw_shape)} with '
                         f'{num_extra_tokens} extra tokens needs {num_extra_tokens + H * W}')
    if token_index is None:
        row = rollout[:, num_extra_tokens:, num_extra_tokens:].mean(dim=1)
    else:
        if not -N <= token_index < N:
            raise ValueError(f'token_index {token_index} is out of range for {N} tokens')
        row = rollout[:, token_index, num_extra_tokens:]
    grid = row.reshape(-1, H, W)
    if normalize:
        grid = grid / grid.flatten(1).amax(dim=1).clamp_min(1e-12)[:, None, None]
    return grid
