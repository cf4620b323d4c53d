"""Shared plumbing for backbones whose attention takes Q, K, V from LIFE."""
from typing import Iterable, Optional

import torch.nn as nn

from ..layers import LIFE, GridQKV


class LIFEMixin:
    """Swap each attention module's ``qkv`` Linear for LIFE and keep its token grid up to date.

    A backbone calls :meth:`install_life` at the end of ``__init__``. The stock attention modules
    stay as they are: they still call ``self.qkv(x)``, which is now a :class:`GridQKV`. A forward
    hook on the module that makes the tokens (the patch embedding, which returns
    ``(tokens, hw_shape)``) tells every :class:`GridQKV` the grid of the current input, so inputs
    of any size work. The hook is a bound method, so ``copy.deepcopy`` (EMA, model averaging)
    gives the copy its own hook.

    Backbones whose attention always sees the same grid (e.g. Swin's ``ws x ws`` windows) pass
    ``grid_source=None`` and set each :class:`GridQKV`'s ``hw_shape`` themselves.
    """

    def install_life(self,
                     attns: Iterable[nn.Module],
                     grid_source: Optional[nn.Module],
                     num_extra_tokens: int,
                     life_cfg: Optional[dict] = None) -> None:
        life_cfg = dict(life_cfg or {})
        for attn in attns:
            if attn.qkv.in_features != attn.qkv.out_features // 3:
                raise ValueError('LIFE needs an attention whose input and Q/K/V widths match, '
                                 f'got qkv {attn.qkv}')
            life_cfg.setdefault('bias', attn.qkv.bias is not None)
            attn.qkv = GridQKV(
                LIFE(attn.qkv.in_features, **life_cfg), num_extra_tokens=num_extra_tokens)
        if grid_source is not None:
            grid_source.register_forward_hook(self._set_life_grid)

    def _set_life_grid(self, module, inputs, output) -> None:
        hw_shape = tuple(output[1])
        for m in self.modules():
            if isinstance(m, GridQKV):
                m.hw_shape = hw_shape
