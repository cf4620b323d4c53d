"""Shared plumbing for backbones whose stock attention takes Q, K, V from LIFE."""
from typing import Callable, Iterable, Optional, Sequence, Union

import torch.nn as nn
from mmcv.cnn.bricks.drop import DropPath

from ..layers import LIFE, GridQKV

#: where a backbone's token grid comes from (see :meth:`LIFEMixin.install_life`)
GridSpec = Union[nn.Module, Callable[[nn.Module], Sequence[int]]]


class LIFEMixin:
    """Swap each attention module's ``qkv`` Linear for LIFE and give it its token grid.

    This is the one way the token grid reaches LIFE in mmlife's backbones (DeiT, T2T-ViT,
    SwinV2; see the module docstring of :mod:`mmlife.models.layers.life`). A backbone calls
    :meth:`install_life` at the end of ``__init__``. The stock attention modules stay as they
    are: they still call ``self.qkv(x)``, which is now a :class:`GridQKV` holding the grid.
    """

    def install_life(self,
                     attns: Iterable[nn.Module],
                     grid: GridSpec,
                     num_extra_tokens: int,
                     life_cfg: Optional[dict] = None) -> None:
        """Replace ``attn.qkv`` of every attention in ``attns`` by a :class:`GridQKV`.

        Args:
            attns (Iterable[nn.Module]): attention modules with a ``qkv`` Linear ``C -> 3C``.
            grid (nn.Module | callable): where the grid comes from.

                - The module that makes the tokens and returns ``(tokens, (H, W))`` (a patch
                  embedding, T2T's tokens-to-token module): a forward hook on it sets the grid
                  of every :class:`GridQKV` of this backbone on each forward, so inputs of any
                  size work. The hook is a bound method, so ``copy.deepcopy`` (EMA, model
                  averaging) gives the copy its own hook.
                - A function ``attn -> (H, W)``: a fixed grid per attention, set once here
                  (Swin's ``ws x ws`` windows: ``lambda attn: attn.window_size``).
            num_extra_tokens (int): leading tokens that are not on the grid (cls, dist).
            life_cfg (dict, optional): extra arguments of :class:`LIFE`; ``bias`` follows the
                Linear's bias unless given.
        """
        if not (isinstance(grid, nn.Module) or callable(grid)):
            raise TypeError('grid must be the token-making module (returning (tokens, (H, W))) '
                            f'or a function attn -> (H, W), got {type(grid).__name__}')
        life_cfg = dict(life_cfg or {})
        for attn in attns:
            if attn.qkv.in_features != attn.qkv.out_features // 3:
                raise ValueError('LIFE needs an attention whose input and Q/K/V widths match, '
                                 f'got qkv {attn.qkv}')
            life_cfg.setdefault('bias', attn.qkv.bias is not None)
            attn.qkv = GridQKV(
                LIFE(attn.qkv.in_features, **life_cfg), num_extra_tokens=num_extra_tokens)
            if not isinstance(grid, nn.Module):
                attn.qkv.hw_shape = tuple(grid(attn))
        if isinstance(grid, nn.Module):
            grid.register_forward_hook(self._set_life_grid)

    def python_float_drop_paths(self) -> None:
        """Make every ``DropPath`` rate a Python float.

        mmpretrain's ViT and T2T-ViT give each block a numpy rate (``np.linspace``); with one,
        ``torch.compile`` breaks the graph at every ``DropPath`` (mmcv's ``if drop_prob == 0.``
        becomes a data-dependent branch) and runs the blocks outside any compiled graph.
        """
        for m in self.modules():
            if isinstance(m, DropPath):
                m.drop_prob = float(m.drop_prob)

    def _set_life_grid(self, module, inputs, output) -> None:
        hw_shape = tuple(output[1])
        for m in self.modules():
            if isinstance(m, GridQKV):
                m.hw_shape = hw_shape

