"""The fast LIFE path's kernels as a CUDA build compiles them, on a machine without a GPU.

For checking the compiled code (tests) and for choosing tile configurations by their register
use (``tools/dev/life_kernel_regs.py``): :func:`record_launches` prepares every launch of one
forward + backward without running it (:func:`life_launch.no_op_launches`), :func:`compile_launch`
compiles one for a GPU architecture with Triton's NVIDIA backend, and :func:`ptxas_usage` reads
the registers and spill bytes that NVIDIA's assembler reports for the result. Needs Triton with
its NVIDIA backend, no GPU and no driver.
"""
import os
import re
import subprocess
import tempfile
from typing import List, Optional, Sequence, Tuple

import torch

from . import life_fast, life_impl, life_launch


def backend_available() -> bool:
    """Whether Triton and its NVIDIA backend (the compiler for a CUDA target) are installed."""
    try:
        import triton
        from triton.backends.compiler import GPUTarget
        return 'nvidia' in triton.backends.backends and GPUTarget is not None
    except Exception:  # noqa: BLE001  (no Triton, or another layout of it)
        return False


def record_launches(C: int, hw: Sequence[int], E: int, amp: bool, dtype: torch.dtype,
                    use_mask: bool, batch: int = 2) -> List[tuple]:
    """Every kernel launch of one fast forward + backward of ``LIFE(C)`` as ``(kernel name,
    args, constexprs, options)``, with the argument dtypes and constexprs of a CUDA run (bf16
    autocast if ``amp``); the kernels never run and the buffers stay uninitialised. The launch
    plans are made with the current :mod:`life_launch` settings and dropped afterwards."""
    from .life import LIFE
    if life_impl.interpreting():
        raise RuntimeError('record_launches needs the GPU dot dtypes: unset TRITON_INTERPRET')
    life_launch.clear_caches()
    life = LIFE(C).to(dtype)
    x = torch.randn(batch, E + hw[0] * hw[1], C, dtype=dtype, requires_grad=True)
    mask = torch.rand(batch, hw[0] * hw[1]) < 0.3 if use_mask else None
    try:
        with life_launch.no_op_launches() as launches:
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=amp):
                out = life_fast.life_fast_forward(life, x, tuple(hw), E, mask)
            out.backward(torch.zeros_like(out))
    finally:
        life_launch.clear_caches()  # the plans above assumed a GPU
    return [(name, args, dict(plan[0]), dict(plan[2])) for name, _, args, plan in launches]


def distinct(launches: Sequence[tuple]) -> List[tuple]:
    """The launches of :func:`record_launches` that compile differently: one per kernel,
    constexprs, options and argument dtypes."""
    seen, out = set(), []
    for name, args, constexprs, options in launches:
        key = (name, tuple(sorted((k, str(v)) for k, v in constexprs.items())),
               tuple(sorted(options.items())),
               tuple(str(a.dtype) if isinstance(a, torch.Tensor) else 'i' for a in args))
        if key not in seen:
            seen.add(key)
            out.append((name, args, constexprs, options))
    return out


_TYPES = {torch.float32: 'fp32', torch.bfloat16: 'bf16', torch.float16: 'fp16',
          torch.uint8: 'u8'}


def compile_launch(name: str, args: tuple, constexprs: dict, options: dict, arch: int = 90):
    """Compile one recorded launch for ``sm_<arch>`` (pointers 16-byte aligned, as CUDA
    allocations are); the result's ``asm`` holds its ``ttgir`` and ``ptx``."""
    import triton
    from triton.backends.compiler import GPUTarget
    fn = getattr(life_impl.kernels(), name)
    sig, attrs = {}, {}
    for i, pname in enumerate(fn.arg_names):
        if pname in constexprs:
            sig[pname] = 'constexpr'
        elif isinstance(args[i], torch.Tensor):
            sig[pname] = '*' + _TYPES[args[i].dtype]
            attrs[(i, )] = [['tt.divisibility', 16]]
        else:
            sig[pname] = 'i32'
    src = triton.compiler.ASTSource(fn=fn, signature=sig, constexprs=constexprs, attrs=attrs)
    return triton.compile(src, target=GPUTarget('cuda', arch, 32), options=options)


def ptxas_usage(ptx: str, arch: str = 'sm_90a') -> Tuple[Optional[int], Optional[int]]:
    """``(registers a thread, spill store bytes)`` of a kernel's PTX, from Triton's bundled
    ``ptxas -v`` (None where it says nothing)."""
    import triton
    ptxas = os.path.join(os.path.dirname(triton.__file__), 'backends', 'nvidia', 'bin',
                         'ptxas')
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'kernel.ptx')
        with open(src, 'w') as f:
            f.write(ptx)
        report = subprocess.run([ptxas, f'-arch={arch}', '-v', src, '-o',
                                 os.path.join(tmp, 'kernel.o')],
                                capture_output=True, text=True, check=True).stderr
    regs = re.findall(r'Used (\d+) registers', report)
    spills = re.findall(r'(\d+) bytes spill stores', report)
    return (int(regs[-1]) if regs else None), (int(spills[-1]) if spills else None)
