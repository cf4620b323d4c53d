"""tools/dev/life_bf16_error_model.py: its exact chain is LIFE's backward, and its bf16
models give errors of bf16 size (the reference path's model above the fast path's)."""
import torch

from conftest import load_tool
from mmlife.models import LIFE


def test_chain_is_lifes_backward_and_bf16_errors_are_plausible():
    tool = load_tool('tools', 'dev', 'life_bf16_error_model.py')
    torch.manual_seed(0)
    C, hw, E = 48, (5, 6), 1
    life = LIFE(C, kernel_sizes=(1, 3, 5)).double()
    x = torch.randn(2, E + hw[0] * hw[1], C, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, x.shape[1], 3 * C, dtype=torch.float64)
    life(x, hw, E).backward(g)
    exact = tool.input_grad(life, g, hw, E, 'exact')
    torch.testing.assert_close(exact, x.grad, rtol=1e-10, atol=1e-12)
    errs = {m: ((tool.input_grad(life, g, hw, E, m) - exact).norm() / exact.norm()).item()
            for m in ('reference', 'fast')}
    assert 1e-4 < errs['fast'] < errs['reference'] < 2e-2, errs
