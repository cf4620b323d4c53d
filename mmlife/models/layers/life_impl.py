"""Which LIFE implementation runs: ``'auto'``, ``'reference'``, ``'fast'`` or ``'tokens'``.

Chosen per call by :func:`use_fast_path`: ``LIFE(..., impl=...)`` if given, else the
environment variable ``MMLIFE_LIFE_IMPL``, else ``'auto'``. ``'auto'`` takes the fast Triton
path (:mod:`mmlife.models.layers.life_autograd`) for CUDA tensors when Triton is importable and
the model is not being scripted or traced by TorchScript; under ``torch.compile`` the fast path
is traced as the custom op ``mmlife::life_forward`` (see ``life_autograd``).
:data:`AUTO_PICKS_FAST` is the switch that lets ``'auto'`` take the kernels. ``'reference'``
always takes the PyTorch path; ``'fast'`` takes the kernels or raises saying why it cannot.
``'tokens'`` is the PyTorch path with each depthwise conv written as a sum of shifted slices of
the token-major map (no layout change, no cuDNN): slow in eager mode, it is meant for
``torch.compile``, whose inductor fuses each conv and its backward into a few kernels around
cuBLAS's point-wise matmuls (see ``LIFE._shifted_conv``).
"""
import os
from typing import Optional

import torch

IMPLS = ('auto', 'reference', 'fast', 'tokens')
ENV_VAR = 'MMLIFE_LIFE_IMPL'

# Whether 'auto' picks the kernels on CUDA: every GPU test of
# tests/test_models/test_layers/test_life_fast.py passes (fp32 and bf16 against float64, bitwise
# determinism) and the kernels are ahead of the reference path in every benchmark row (see
# docs/performance.md). Set it to False (or MMLIFE_LIFE_IMPL=reference) to keep 'auto' on the
# PyTorch path.
AUTO_PICKS_FAST = True

_triton_state = {}


def kernels():
    """Import the Triton kernels once; returns the module or raises ImportError."""
    if 'module' not in _triton_state:
        try:
            from . import _life_triton
        except Exception as err:  # ImportError, or triton failing to initialise
            _triton_state['module'] = None
            _triton_state['error'] = f'{type(err).__name__}: {err}'
        else:
            _triton_state['module'] = _life_triton
    if _triton_state['module'] is None:
        raise ImportError('the fast LIFE path needs Triton: ' + _triton_state['error'])
    return _triton_state['module']


def interpreting() -> bool:
    """Whether Triton runs its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get('TRITON_INTERPRET', '0') == '1'


def resolve_impl(impl: Optional[str] = None) -> str:
    """The implementation asked for: ``impl`` if given, else ``$MMLIFE_LIFE_IMPL``, else auto."""
    chosen = impl if impl is not None else os.environ.get(ENV_VAR, 'auto')
    chosen = chosen.strip().lower()
    if chosen not in IMPLS:
        src = 'impl' if impl is not None else ENV_VAR
        raise ValueError(f'{src} must be one of {IMPLS}, got {chosen!r}')
    return chosen


_FAST_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


def fast_path_unavailable(x: torch.Tensor) -> Optional[str]:
    """Why the fast path cannot run on ``x``, or None if it can."""
    if not x.is_cuda and not interpreting():
        return f'it needs a CUDA tensor, got one on {x.device}'
    if x.dtype not in _FAST_DTYPES:
        return f'it supports float32/float16/bfloat16 inputs, got {x.dtype}'
    if torch.jit.is_scripting() or torch.jit.is_tracing():
        return 'TorchScript cannot script or trace Triton kernels'
    if 'module' in _triton_state and _triton_state['module'] is not None:
        return None
    try:
        kernels()
    except ImportError as err:
        return str(err)
    return None


def use_fast_path(impl: Optional[str], x: torch.Tensor) -> bool:
    """Whether LIFE should run on the fast path for input ``x`` (see the module docstring)."""
    chosen = resolve_impl(impl)
    if chosen in ('reference', 'tokens') or (chosen == 'auto' and not AUTO_PICKS_FAST):
        return False
    why = fast_path_unavailable(x)
    if chosen == 'fast' and why is not None:
        raise RuntimeError(f"LIFE impl 'fast' was forced (impl= or ${ENV_VAR}), but {why}")
    return why is None
