"""Hooks for training with mmengine's ``compile=True``."""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class EagerOptimizerStepHook(Hook):
    """With ``compile`` set in the config, run the optimizer wrapper's ``update_params``
    (backward, gradient clipping, optimizer step, zero_grad) outside ``torch.compile``.

    mmengine's ``compile=True`` compiles the model's whole ``train_step``, which includes
    ``optim_wrapper.update_params``. The forward and its backward graph are what compiling
    gains; dynamo breaks the graph at ``loss.backward()`` anyway. Tracing the optimizer step
    too fails or recompiles: mmengine's optimizer constructor hands the optimizer its
    parameter groups as ``ConfigDict``s, which dynamo (torch 2.11) cannot trace (an internal
    error in ``Optimizer.step``), and a scheduled learning rate is a Python float that changes
    every iteration, so every change would recompile. This hook leaves the optimizer step
    eager (use a fused or foreach optimizer for speed).

    It also lets dynamo trace mmengine's AMP context (``--amp``): ``mmengine.runner.amp.autocast``
    compares the torch version on every call, inside the compiled ``train_step``, and
    dynamo (torch 2.11) fails with an internal error on ``packaging``'s parse of
    ``torch.__version__``, a ``str`` subclass; the hook hands that module the same version as
    a plain ``str``, which traces to a constant. Without ``compile`` it does nothing.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        if not runner.cfg.get('compile'):
            return
        from mmengine.runner import amp
        amp.TORCH_VERSION = str(amp.TORCH_VERSION)
        wrappers = runner.optim_wrapper
        if hasattr(wrappers, 'items'):  # OptimWrapperDict: one wrapper per optimizer
            wrappers = [w for _, w in wrappers.items()]
        else:
            wrappers = [wrappers]
        for wrapper in wrappers:
            if not getattr(wrapper, '_mmlife_eager_update', False):
                wrapper.update_params = torch.compiler.disable(wrapper.update_params)
                wrapper._mmlife_eager_update = True
