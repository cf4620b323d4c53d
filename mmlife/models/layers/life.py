"""LIFE: the Local InFormation Enhancer that makes Q, K, V for attention.

LIFE replaces the point-wise ``nn.Linear(C, 3 * C)`` of an attention block with a hierarchy of
scales. Scale 1 is a point-wise layer; every later scale applies a depthwise conv (kernel ``k``,
zero padding ``k // 2``) to the previous scale's output, laid out as an ``H x W`` map, and then a
point-wise layer. Each scale's output is split into a q, a k and a v part, and

    Q = [q_1 | ... | q_S],  K = [k_1 | ... | k_S],  V = [v_1 | ... | v_S].

With ``kernel_sizes=(1, 3, 5)`` the receptive fields of the three scales are 1, 3 and 7 tokens.

Extra tokens (cls, distillation) have no place on the grid: they skip the depthwise convs and go
through the point-wise layers of every scale, so their Q, K and V also use every scale.

**How the token grid reaches LIFE.** :meth:`LIFE.forward` always takes the grid as arguments:
``life(x, hw_shape, num_extra_tokens, key_padding_mask)``. There is one way to supply them for
each kind of caller:

- Stock attention modules (mmpretrain's ViT/DeiT, T2T-ViT and SwinV2 blocks) call
  ``self.qkv(x)`` with the tokens only. Every mmlife backbone replaces that Linear through
  :meth:`mmlife.models.backbones.life_mixin.LIFEMixin.install_life`, which puts a
  :class:`GridQKV` (LIFE plus the grid it was last given) in its place and gives it its grid
  from one of two sources: the module that makes the tokens and returns ``(tokens, (H, W))``
  (the patch embedding of DeiT, the tokens-to-token module of T2T-ViT), through a forward hook
  that sets the grid of every ``GridQKV`` of the backbone on each forward, so that inputs of any
  size work; or a fixed grid per attention (SwinV2: each window attention's ``ws x ws`` window).
- mmlife's own attention, DETR's :class:`mmlife.det.models.LIFEMultiheadAttention`, calls LIFE
  directly with the arguments: ``LIFEDETR`` passes the feature map's ``(H, W)`` to the encoder,
  which hands ``hw_shape`` and the padding mask to every self-attention (the DETR decoder's object
  queries have no grid, so it has no LIFE).
"""
import operator
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from .life_fast import life_fast_forward, resolve_impl, use_fast_path


def _as_int(name: str, value) -> int:
    """``value`` as a Python int (numpy and 0-d integer tensors too); TypeError for anything else,
    including floats, strings and bools."""
    if isinstance(value, bool):
        raise TypeError(f'{name} must be an int, got the bool {value!r}')
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f'{name} must be an int (Python or numpy integer), got '
                        f'{type(value).__name__} {value!r}') from None


def _as_hw(hw_shape) -> Tuple[int, int]:
    """``hw_shape`` as ``(H, W)`` Python ints; TypeError / ValueError saying what is wrong."""
    if isinstance(hw_shape, (str, bytes)) or not hasattr(hw_shape, '__len__'):
        raise TypeError(f'hw_shape must be a pair (H, W) of ints, got {type(hw_shape).__name__} '
                        f'{hw_shape!r}')
    if len(hw_shape) != 2:
        raise ValueError(f'hw_shape must be (H, W) with H, W >= 1, got {hw_shape!r}')
    H, W = (_as_int('hw_shape', v) for v in hw_shape)
    if min(H, W) < 1:
        raise ValueError(f'hw_shape must be (H, W) with H, W >= 1, got {hw_shape!r}')
    return H, W


def split_channels(embed_dims: int, num_scales: int) -> Tuple[int, ...]:
    """Each scale's share of each of Q, K and V.

    ``embed_dims`` is split as evenly as possible; when it is not divisible by ``num_scales`` the
    first ``embed_dims % num_scales`` scales get one channel more. Example: 192 over 3 scales gives
    (64, 64, 64); DETR's 256 gives (86, 85, 85).
    """
    base, rem = divmod(embed_dims, num_scales)
    return tuple(base + (s < rem) for s in range(num_scales))


class LIFE(BaseModule):
    """Local InFormation Enhancer: a drop-in for the output of ``nn.Linear(C, 3 * C)``.

    Scale ``s`` produces ``3 * d_s`` channels laid out ``[q_s | k_s | v_s]``, where ``d_s`` is its
    share of the ``C`` channels of each of Q, K, V (see :func:`split_channels`): with the paper's
    three scales and ``C`` divisible by 3 every scale is ``C`` wide; otherwise (e.g. DETR's
    ``C = 256``) the first scales are a few channels wider. The output is always ``3 * C`` wide.

    Args:
        embed_dims (int): ``C``, the token width, and the width of each of Q, K, V.
        kernel_sizes (Sequence[int]): one kernel size per scale. The first must be 1 (the
            point-wise scale); later ones are odd depthwise kernel sizes. Defaults to (1, 3, 5).
        bias (bool): whether the point-wise and depthwise layers have a bias. Defaults to True.
        init_cfg (dict, optional): mmengine initialisation config.
        impl (str, optional): ``'auto'`` (fused Triton kernels for CUDA inputs, this PyTorch
            code otherwise), ``'reference'`` (always this PyTorch code), ``'fast'`` (always
            the kernels; raises where they cannot run) or ``'tokens'`` (this PyTorch code with
            the depthwise convs as shifted sums on the token-major map, for ``torch.compile``;
            see :meth:`_shifted_conv`). Defaults to None: the environment
            variable ``MMLIFE_LIFE_IMPL``, else ``'auto'``. See
            :mod:`mmlife.models.layers.life_impl`.

    Shape:
        ``forward(x, hw_shape, num_extra_tokens=0, key_padding_mask=None)``

        - x: ``(B, num_extra_tokens + H * W, C)``, extra tokens first, then the patch tokens in
          row-major order.
        - key_padding_mask: optional bool ``(B, H * W)`` or ``(B, H, W)``, True where a patch
          token is padding. Padded tokens are zeroed before every depthwise conv, so they never
          leak into the valid tokens.
        - returns ``(B, N, 3 * C)`` laid out ``[Q | K | V]``.
    """

    def __init__(self,
                 embed_dims: int,
                 kernel_sizes: Sequence[int] = (1, 3, 5),
                 bias: bool = True,
                 init_cfg: Optional[dict] = None,
                 impl: Optional[str] = None):
        super().__init__(init_cfg=init_cfg)
        if impl is not None:
            resolve_impl(impl)  # raises on an unknown name
        self.impl = impl
        embed_dims = _as_int('embed_dims', embed_dims)
        if isinstance(kernel_sizes, (str, bytes)) or not hasattr(kernel_sizes, '__iter__'):
            raise TypeError(f'kernel_sizes must be a sequence of ints, got {kernel_sizes!r}')
        kernel_sizes = tuple(_as_int('kernel_sizes', k) for k in kernel_sizes)
        if embed_dims <= 0:
            raise ValueError(f'embed_dims must be a positive int, got {embed_dims!r}')
        if not kernel_sizes or kernel_sizes[0] != 1:
            raise ValueError('kernel_sizes must start with 1 (the point-wise scale), got '
                             f'{kernel_sizes}')
        for k in kernel_sizes[1:]:
            if k < 1 or k % 2 == 0:
                raise ValueError('depthwise kernel sizes must be positive odd ints (spatial size '
                                 f'is preserved with padding k // 2), got {kernel_sizes}')
        if embed_dims < len(kernel_sizes):
            raise ValueError(f'embed_dims={embed_dims} is too small for {len(kernel_sizes)} '
                             'scales: each scale needs at least one channel of Q, K and V')
        self.embed_dims = embed_dims
        self.kernel_sizes = kernel_sizes
        self.split = split_channels(embed_dims, len(kernel_sizes))

        widths = [3 * d for d in self.split]
        in_dims = [embed_dims] + widths[:-1]
        self.pointwise = nn.ModuleList(
            nn.Linear(i, o, bias=bias) for i, o in zip(in_dims, widths))
        self.depthwise = nn.ModuleList(
            nn.Conv2d(c, c, k, padding=k // 2, groups=c, bias=bias)
            for c, k in zip(in_dims[1:], kernel_sizes[1:]))
        # input signatures that passed _check_inputs (see forward)
        self._checked = set()

    @property
    def num_scales(self) -> int:
        return len(self.kernel_sizes)

    def extra_repr(self) -> str:
        return f'embed_dims={self.embed_dims}, kernel_sizes={self.kernel_sizes}, split={self.split}'

    def forward(self,
                x: torch.Tensor,
                hw_shape: Sequence[int],
                num_extra_tokens: int = 0,
                key_padding_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        # the checks depend only on shapes and dtypes: run them once per input signature made
        # of plain Python ints (other argument types are checked and converted every call)
        key = None
        if (torch.is_tensor(x) and type(num_extra_tokens) is int
                and type(hw_shape) in (tuple, list) and all(type(v) is int for v in hw_shape)):
            key = (x.shape, tuple(hw_shape), num_extra_tokens,
                   None if key_padding_mask is None else
                   (key_padding_mask.dtype, key_padding_mask.shape))
        if key is None or torch.compiler.is_compiling() or key not in self._checked:
            hw_shape, num_extra_tokens, mask = self._check_inputs(
                x, hw_shape, num_extra_tokens, key_padding_mask)
            if key is not None and not torch.compiler.is_compiling():
                if len(self._checked) > 64:  # many shapes (e.g. detection): keep it small
                    self._checked.clear()
                self._checked.add(key)
        else:
            mask = None if key_padding_mask is None else key_padding_mask.reshape(
                x.shape[0], -1)
        impl = resolve_impl(self.impl)
        if use_fast_path(impl, x):
            return life_fast_forward(self, x, hw_shape, num_extra_tokens, mask)
        shifted = impl == 'tokens'
        y = self.pointwise[0](x)
        scales = [y]
        for dw, pw in zip(self.depthwise, self.pointwise[1:]):
            y = pw(self._depthwise(dw, y, hw_shape, num_extra_tokens, mask, shifted))
            scales.append(y)
        # scale s is [q_s | k_s | v_s]; regroup into [q_1..q_S | k_1..k_S | v_1..v_S]
        parts = [y.split(d, dim=-1) for y, d in zip(scales, self.split)]
        return torch.cat([p[i] for i in range(3) for p in parts], dim=-1)

    @staticmethod
    def _depthwise(conv: nn.Conv2d, tokens: torch.Tensor, hw_shape: Sequence[int],
                   num_extra_tokens: int, mask: Optional[torch.Tensor],
                   shifted: bool = False) -> torch.Tensor:
        """Apply ``conv`` to the patch tokens laid out as a map; extra tokens pass unchanged.
        ``shifted``: as :meth:`_shifted_conv` on the token-major map (the ``'tokens'`` impl)."""
        B, _, C = tokens.shape
        H, W = hw_shape
        extra, patches = tokens[:, :num_extra_tokens], tokens[:, num_extra_tokens:]
        if mask is not None:
            patches = patches.masked_fill(mask.unsqueeze(-1), 0)
        if shifted:
            grid = LIFE._shifted_conv(conv, patches.reshape(B, H, W, C))
            patches = grid.to(tokens.dtype).reshape(B, H * W, C)
        else:
            # contiguous: the transposed view is channels-last, for which CPU (oneDNN)
            # depthwise convs are 10-100x slower (e.g. 58 ms vs 0.07 ms per 192x14x14 conv on
            # 2 cores)
            grid = patches.transpose(1, 2).reshape(B, C, H, W).contiguous()
            patches = conv(grid).flatten(2).transpose(1, 2)
        return torch.cat([extra, patches], dim=1)

    @staticmethod
    def _shifted_conv(conv: nn.Conv2d, grid: torch.Tensor) -> torch.Tensor:
        """``conv`` of a token-major ``(B, H, W, C)`` map as a sum of ``k * k`` shifted slices of
        the zero-padded map, each times its tap's weights.

        The same result as ``conv`` without a transpose to ``(B, C, H, W)`` or a cuDNN call:
        elementwise ops that ``torch.compile`` fuses into one kernel forward and a few backward.
        The sum runs in the weights' dtype (float32 under autocast, as cuDNN accumulates); the
        caller casts it back to the tokens' dtype, as the conv under autocast returns it.
        """
        _, H, W, C = grid.shape
        k = conv.kernel_size[0]
        p = k // 2
        padded = nn.functional.pad(grid, (0, 0, p, p, p, p))
        taps = conv.weight.reshape(C, k * k).t()  # (k * k, C): one row of weights per tap
        out = conv.bias if conv.bias is not None else taps.new_zeros(C)
        for i in range(k):
            for j in range(k):
                out = out + padded[:, i:i + H, j:j + W] * taps[i * k + j]
        return out

    def __prepare_scriptable__(self):
        """Called by ``torch.jit.script``: say plainly that scripting is not supported."""
        raise NotImplementedError(
            'torch.jit.script(LIFE) is not supported: LIFE takes Python-level arguments '
            '(hw_shape, num_extra_tokens) and picks its implementation at run time. Use '
            'torch.jit.trace (which records the PyTorch reference path), torch.compile or '
            'torch.export instead.')

    def _check_inputs(self, x, hw_shape, num_extra_tokens, key_padding_mask):
        """Validate the inputs; returns ``hw_shape`` and ``num_extra_tokens`` as Python ints and
        the mask as ``(B, H * W)`` (or None)."""
        if not torch.is_tensor(x):
            raise TypeError(f'LIFE expects a tensor of tokens (B, N, C), got {type(x).__name__}')
        hw_shape = _as_hw(hw_shape)
        num_extra_tokens = _as_int('num_extra_tokens', num_extra_tokens)
        if x.dim() != 3:
            raise ValueError(f'LIFE expects tokens of shape (B, N, C), got {tuple(x.shape)}')
        B, N, C = x.shape
        if C != self.embed_dims:
            raise ValueError(f'LIFE was built for {self.embed_dims} channels, got {C}')
        if num_extra_tokens < 0:
            raise ValueError(f'num_extra_tokens must be >= 0, got {num_extra_tokens}')
        H, W = hw_shape
        if N != num_extra_tokens + H * W:
            raise ValueError(f'got {N} tokens, but hw_shape={tuple(hw_shape)} with '
                             f'{num_extra_tokens} extra tokens needs '
                             f'{num_extra_tokens} + {H}*{W} = {num_extra_tokens + H * W}')
        if key_padding_mask is None:
            return hw_shape, num_extra_tokens, None
        if key_padding_mask.dtype != torch.bool:
            raise ValueError('key_padding_mask must be a bool tensor (True = padding), got '
                             f'{key_padding_mask.dtype}')
        if tuple(key_padding_mask.shape) not in ((B, H * W), (B, H, W)):
            raise ValueError(f'key_padding_mask must be (B, H*W) = {(B, H * W)} or (B, H, W) = '
                             f'{(B, H, W)}, got {tuple(key_padding_mask.shape)}')
        return hw_shape, num_extra_tokens, key_padding_mask.reshape(B, H * W)


class GridQKV(nn.Module):
    """LIFE where an attention module calls ``self.qkv(x)`` with tokens only.

    The owning backbone sets :attr:`hw_shape` (and optionally :attr:`key_padding_mask`) before the
    attention runs, through :meth:`mmlife.models.backbones.life_mixin.LIFEMixin.install_life`
    (a forward hook on its token-making module, or a fixed grid; see the module docstring).

    Args:
        life (LIFE): the LIFE module that makes Q, K, V.
        num_extra_tokens (int): number of leading non-grid tokens in every call.
    """

    def __init__(self, life: LIFE, num_extra_tokens: int):
        super().__init__()
        self.life = life
        self.num_extra_tokens = num_extra_tokens
        self.hw_shape: Optional[Tuple[int, int]] = None
        self.key_padding_mask: Optional[torch.Tensor] = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hw_shape is None:
            raise RuntimeError('GridQKV.hw_shape is not set: the backbone must set the token '
                               'grid before its attention layers run')
        return self.life(x, self.hw_shape, self.num_extra_tokens, self.key_padding_mask)
