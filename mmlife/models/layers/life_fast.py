"""Fast CUDA path of :class:`mmlife.models.LIFE` (forward and backward), built on Triton.

The reference path in ``life.py`` runs LIFE as point-wise Linears and ``nn.Conv2d`` depthwise
convs on ``(B, C, H, W)`` maps, with a transpose, a split and a cat around every conv and a
final regroup into ``[Q | K | V]``. On small maps (8x8, 14x14) those layout shuffles and
cuDNN's depthwise backward cost more than the point-wise matmuls themselves. The fast path
keeps the tokens token-major and runs each scale as one fused kernel. It is split into:

* :mod:`~mmlife.models.layers.life_impl`: which implementation runs (``auto`` / ``fast`` /
  ``reference``, ``$MMLIFE_LIFE_IMPL``);
* :mod:`~mmlife.models.layers.life_launch`: tile configurations, per-shape launch plans and
  the direct launcher of the compiled kernels;
* :mod:`~mmlife.models.layers.life_autograd`: forward and backward, as an autograd function
  (eager) and as the custom ops ``mmlife::life_forward`` / ``mmlife::life_backward``
  (``torch.compile``);
* ``_life_triton``: the kernels.

This module keeps the names other code imports.
"""
from .life_autograd import life_fast_forward
from .life_impl import (ENV_VAR, IMPLS, fast_path_unavailable, resolve_impl,
                        use_fast_path)
from .life_launch import dw_config, gemm_config

__all__ = ['ENV_VAR', 'IMPLS', 'dw_config', 'fast_path_unavailable', 'gemm_config',
           'life_fast_forward', 'resolve_impl', 'use_fast_path']


def __getattr__(name):
    # AUTO_PICKS_FAST is read live from life_impl (tests and users may switch it there)
    if name == 'AUTO_PICKS_FAST':
        from . import life_impl
        return life_impl.AUTO_PICKS_FAST
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
