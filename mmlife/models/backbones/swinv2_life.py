"""Swin Transformer V2 with LIFE making Q, K, V inside every window attention.

Each window's ``ws x ws`` tokens are LIFE's grid: the depthwise convs see a window as a small
image with zero padding at its border, so LIFE never reaches outside the window the attention
sees.

**Shifted windows.** The cyclic shift of SW-MSA puts regions of the map that are not neighbours
(the bottom/right border next to the wrapped-around top/left border) into the same window; Swin
masks attention between them. LIFE follows the attention mask by default
(``life_shift_mode='mask'``): tokens that may not attend to each other are not neighbours for
LIFE's convs either, i.e. every region of a shifted window (a rectangle) goes through LIFE as its
own zero-padded image. Each token is still computed once, so the multiply-adds are those of plain
LIFE; only the border windows are split into a few smaller LIFE calls.
``life_shift_mode='accept'`` convolves the shifted window as one image, like the official LIFE
code (its multi-scale QKV sees the cyclically shifted window whole): tokens at the image border
then mix with tokens from the opposite border.

Maps that do not divide into windows (or, with ``pad_small_map=True``, are smaller than one) are
zero-padded by the stock ``ShiftWindowMSA``; LIFE sees those padding tokens as the attention does.

Window sizes can be set per stage (``window_size=[8, 8, 8, 4]``): mmpretrain does not shrink a
window to a smaller map, and a 32 px input with patch size 1 has a 4x4 map in the last stage.
"""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import SwinTransformerV2
from mmpretrain.models.utils import WindowMSAV2
from mmpretrain.registry import MODELS

from .life_mixin import LIFEMixin

LIFE_SHIFT_MODES = ('mask', 'accept')


class LIFEWindowMSAV2(WindowMSAV2):
    """``WindowMSAV2`` whose Q, K, V come from LIFE on each window's ``ws x ws`` grid.

    :class:`LIFESwinTransformerV2` turns the stock modules into this class (it adds no state, only
    the forward pass) and replaces ``qkv`` with a :class:`~mmlife.models.GridQKV` whose grid is
    the window. LIFE has its own biases, so the stock ``q_bias``/``v_bias`` are removed. The
    attention itself (cosine attention, learnt logit scale, continuous relative position bias,
    shift mask) is the stock computation.

    Attributes:
        life_shift_mode (str): ``'mask'`` or ``'accept'``, see the module docstring.
    """

    life_shift_mode = 'mask'

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: ``(num_windows * B, ws * ws, C)``; mask: ``(num_windows, N, N)`` of 0 / -100."""
        B_, N, C = x.shape
        qkv = self.life_qkv(x, mask)
        q, k, v = qkv.reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(
            2, 0, 3, 1, 4).unbind(0)

        # the stock WindowMSAV2 attention from here on
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * torch.clamp(self.logit_scale, max=np.log(1. / 0.01)).exp()
        bias_table = self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads)
        bias = bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + 16 * torch.sigmoid(bias.permute(2, 0, 1)).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        attn = self.attn_drop(self.softmax(attn))
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj_drop(self.proj(x))

    def life_qkv(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """LIFE's ``[Q | K | V]`` for every window, ``(num_windows * B, N, 3C)``.

        With ``life_shift_mode='mask'`` and a shift mask, each region of a window (the tokens
        the mask lets attend to each other, always a rectangle) goes through LIFE as its own
        zero-padded image: every token is computed once, so the cost is that of plain LIFE.
        """
        if mask is None or self.life_shift_mode == 'accept':
            return self.qkv(x)
        nW, N = mask.shape[:2]
        B, C = x.shape[0] // nW, x.shape[-1]
        life, ws_w = self.qkv.life, self.qkv.hw_shape[1]
        # each token's region, named by the first token of the window in the same region
        regions = (mask == 0).to(torch.uint8).argmax(dim=-1)  # (nW, N)
        # windows fall into a few layouts (inner, right column, bottom row, corner)
        layouts, layout_of = regions.unique(dim=0, return_inverse=True)
        x = x.view(B, nW, N, C)
        qkv = x.new_zeros(B, nW, N, 3 * C)
        for i, layout in enumerate(layouts):
            windows = (layout_of == i).nonzero().flatten()
            for r in layout.unique().tolist():
                tokens = (layout == r).nonzero().flatten()  # row-major within the window
                rows, cols = tokens // ws_w, tokens % ws_w
                h, w = int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1
                if h * w != len(tokens):
                    raise RuntimeError(f'a shift-mask region is not a rectangle: {layout}')
                part = life(x[:, windows][:, :, tokens].reshape(-1, h * w, C), (h, w))
                qkv[:, windows[:, None], tokens] = part.view(B, len(windows), h * w, 3 * C)
        return qkv.view(B * nW, N, 3 * C)


@MODELS.register_module()
class LIFESwinTransformerV2(LIFEMixin, SwinTransformerV2):
    """mmpretrain's ``SwinTransformerV2`` with LIFE in every window attention.

    Everything else is the stock backbone (arches ``tiny``/``small``/``base``..., per-stage
    ``window_size``, ``patch_size``, outputs), so SwinV2 and SwinV2-LIFE configs differ only in
    ``use_life``.

    Args:
        use_life (bool): make Q, K, V with LIFE. Defaults to True.
        life_cfg (dict, optional): extra arguments of :class:`mmlife.models.LIFE`. ``bias``
            follows the stock ``qkv_bias`` (True) unless given.
        life_shift_mode (str): how LIFE treats the regions that the cyclic shift brings into one
            window: ``'mask'`` (default; each region is convolved on its own, as the attention
            mask separates them) or ``'accept'`` (the shifted window is one image, as in the
            official LIFE code).
        *args, **kwargs: as ``mmpretrain.models.SwinTransformerV2``.
    """

    def __init__(self,
                 *args,
                 use_life: bool = True,
                 life_cfg: Optional[dict] = None,
                 life_shift_mode: str = 'mask',
                 **kwargs):
        if life_shift_mode not in LIFE_SHIFT_MODES:
            raise ValueError(f'life_shift_mode must be one of {LIFE_SHIFT_MODES}, got '
                             f'{life_shift_mode!r}')
        super().__init__(*args, **kwargs)
        self.use_life = use_life
        self.life_shift_mode = life_shift_mode
        if not use_life:
            return
        w_msas = [block.attn.w_msa for stage in self.stages for block in stage.blocks]
        life_cfg = dict(life_cfg or {})
        life_cfg.setdefault('bias', w_msas[0].q_bias is not None)
        for w_msa in w_msas:
            if type(w_msa) is not WindowMSAV2:
                raise TypeError(f'expected the stock WindowMSAV2, got {type(w_msa).__name__}')
            w_msa.__class__ = LIFEWindowMSAV2  # same state, LIFE forward
            w_msa.q_bias = None
            w_msa.v_bias = None
            w_msa.life_shift_mode = life_shift_mode
        # the grid of each window attention is its fixed ws x ws window
        self.install_life(w_msas, lambda w_msa: w_msa.window_size, 0, life_cfg)
