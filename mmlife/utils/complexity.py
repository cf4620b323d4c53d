"""Multiply-accumulate counting with mmengine's ``FlopAnalyzer``, attention included.

mmengine counts no ``aten::scaled_dot_product_attention``, which every mmlife attention uses, so
the attention matmuls ``Q K^T`` and ``A V`` would be missing from the totals. :func:`flop_analyzer`
returns an analyzer with a handle for it (softmax and scaling are not counted, as for every other
op); the tools in ``tools/analysis_tools/`` and the demo use it.
"""
from typing import Any, List

from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape

SDPA = 'aten::scaled_dot_product_attention'


def sdpa_macs(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of ``softmax(Q K^T) V`` for query ``(..., Nq, d)``, key ``(..., Nk, d)`` and value
    ``(..., Nk, dv)``: ``prod(...) * Nq * Nk * (d + dv)``."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    *batch, nq, d = q
    nk, dv = k[-2], v[-1]
    n = 1
    for b in batch:
        n *= b
    return n * nq * nk * (d + dv)


def flop_analyzer(model, inputs) -> FlopAnalyzer:
    """``FlopAnalyzer(model, inputs)`` counting SDPA, without per-op/per-module warnings.

    ``.total()`` gives MACs (mmengine counts one multiply-add as one "flop");
    ``.by_operator()['scaled_dot_product_attention']`` the attention part.
    """
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle(**{SDPA: sdpa_macs})
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer
