"""Rounding model of LIFE's input gradient under bf16 autocast (CPU, pure PyTorch).

Investigation script: it showed that the fast path's bf16 input-gradient error at C = 384 was a
race in the compiled kernel, not rounding (see docs/performance.md); kept to recheck the
rounding of the backward after changes to it.

    python tools/dev/life_bf16_error_model.py

LIFE is linear in its input, so its input gradient ``dx`` depends only on the weights and the
output gradient ``g``; its error under bf16 autocast comes only from where the backward rounds
to bf16. This script replays the backward chain (three scales, kernels 1/3/5, extra tokens)
in float64 with explicit round-to-nearest-even bf16 roundings placed as

* ``reference``: the PyTorch path under CUDA autocast. ``F.linear``/cuDNN round their operands
  (activations, weights, the conv weights too) to bf16, accumulate in float32 and round every
  result to bf16; autograd adds the two gradients of a scale's output (its ``[q|k|v]`` slots
  and the next conv's input gradient) in bf16;
* ``fast``: the Triton kernels. The transposed conv runs on float32 conv weights and is added
  to ``g_s`` in float32; that sum is rounded once, as the matmul operand (the stored ``dy``);
  intermediate gradients are stored in bf16, ``dx`` in float32,

and prints ``||dx - dx_exact|| / ||dx_exact||`` as in
``test_fast_matches_reference_bf16_autocast`` (same weight initialisation; ``g`` is
float32 in the exact run and rounded to bf16 in both bf16 runs, as there).

Result (3 seeds each): the reference model gives 3.8e-3 at every size (the H100 measured
3.85e-3 for C = 384), the fast model 3.2e-3. So no rounding of the fast path can explain the
1.28e-2 the H100 measured for C = 384 with the v3 kernels: that was a shared-memory race in the compiled
kernel (see docs/performance.md), not numerics.
"""
import torch
import torch.nn.functional as F

from mmlife.models import LIFE


def bf16(t):
    return t.to(torch.bfloat16).to(t.dtype)


def conv_input_grad(dz, weight, hw, E, round_weight=False, round_out=False):
    """Gradient w.r.t. the input of LIFE's depthwise conv (patch tokens; extra tokens pass)."""
    B, _, K = dz.shape
    H, W = hw
    k = weight.shape[-1]
    grid = dz[:, E:].transpose(1, 2).reshape(B, K, H, W)
    w = bf16(weight) if round_weight else weight
    gi = F.conv_transpose2d(grid, w, padding=k // 2, groups=K).flatten(2).transpose(1, 2)
    return torch.cat([dz[:, :E], bf16(gi) if round_out else gi], 1)


def input_grad(life, g, hw, E, mode):
    """``dx`` of ``life`` (float64 parameters) for output gradient ``g``; mode 'exact',
    'reference' or 'fast' (see the module docstring)."""
    S, C = life.num_scales, life.embed_dims
    offsets = [sum(life.split[:s]) for s in range(S)]
    # the gradient of scale s's output [q_s | k_s | v_s]
    gs = [torch.cat([g[..., i * C + o:i * C + o + d] for i in range(3)], -1)
          for o, d in zip(offsets, life.split)]
    r = (lambda t: t) if mode == 'exact' else bf16
    gs = [r(t) for t in gs]
    weights = [r(pw.weight.detach()) for pw in life.pointwise]
    dy = gs[S - 1]
    for s in range(S - 1, -1, -1):
        grad_in = dy @ weights[s]
        if s == 0:
            return bf16(grad_in) if mode == 'reference' else grad_in
        dz = r(grad_in)
        cw = life.depthwise[s - 1].weight.detach()
        if mode == 'reference':
            dy = bf16(gs[s - 1] + conv_input_grad(dz, cw, hw, E, True, True))
        else:
            dy = r(gs[s - 1] + conv_input_grad(dz, cw, hw, E))


def main():
    torch.set_default_dtype(torch.float64)
    print('| C | grid | E | seed | reference bf16 | fast bf16 |')
    print('| --- | --- | --- | --- | --- | --- |')
    for C, hw, E in [(192, (8, 8), 1), (192, (14, 14), 1), (384, (8, 8), 2), (96, (5, 7), 0)]:
        for seed in range(3):
            torch.manual_seed(seed)
            life = LIFE(C, kernel_sizes=(1, 3, 5))
            with torch.no_grad():  # as make_life in the tests; float32 values
                for p in life.parameters():
                    p.normal_(0, 0.5 / max(1, p.shape[-1])**0.5 if p.dim() == 2 else 0.3)
                    p.copy_(p.float())
            x = torch.randn(3, E + hw[0] * hw[1], C).float().double().requires_grad_()
            g = torch.randn(3, x.shape[1], 3 * C).float().double()
            exact = input_grad(life, g, hw, E, 'exact')
            life(x, hw, E).backward(g)  # the chain above is LIFE's backward
            assert torch.allclose(exact, x.grad, rtol=1e-10, atol=1e-12)
            errs = [((input_grad(life, g, hw, E, m) - exact).norm() / exact.norm()).item()
                    for m in ('reference', 'fast')]
            print(f'| {C} | {hw[0]}x{hw[1]} | {E} | {seed} | {errs[0]:.2e} | {errs[1]:.2e} |')


if __name__ == '__main__':
    main()
