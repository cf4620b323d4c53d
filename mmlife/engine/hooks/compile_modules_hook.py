"""``torch.compile`` of chosen submodules of the model, named by the config's ``compile_modules``.

mmengine's ``compile=True`` compiles the model's whole ``train_step``. A DETR step also holds the
data samples, the Hungarian matching and the losses, whose shapes change with the number of
objects in each batch, so dynamo would break the graph and recompile there batch after batch.
The backbone, the encoder and the decoder have fixed shapes (every batch is resized to one size)
and make most of the step's several thousand kernel launches, which leave a small model's step
bound by the host. Compiling just them fuses their launches and leaves the rest eager. For
DETR at batch 32 the gain was small (x1.01-1.08 on an H200, ``docs/detection_recipes.md``):
the eager rest of the step is host-bound as well.
"""
from typing import List, Sequence

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

# torch.compile arguments unless the hook's config names others: one graph per input shape (a
# different last batch compiles once more) rather than graphs generic in the batch size
DEFAULT_COMPILE_KWARGS = dict(dynamic=False)


def compile_modules(model: nn.Module, names: Sequence[str], **compile_kwargs) -> List[str]:
    """Compile the submodules ``names`` (dotted paths, e.g. ``'backbone'``, ``'encoder'``) of
    ``model`` in place with ``nn.Module.compile``: the parameter names, the state dict and the
    checkpoints stay those of the eager model. Returns the names compiled now (a module compiled
    already is left as it is).

    Raises:
        ValueError: if a name is not a submodule of ``model``.
    """
    if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f'compile_modules must be a list of submodule names, got {names!r}')
    modules = []
    for name in names:
        try:
            modules.append((name, model.get_submodule(name)))
        except AttributeError:
            children = ', '.join(n for n, _ in model.named_children())
            raise ValueError(f'{type(model).__name__} has no submodule {name!r} to compile; '
                             f'its children: {children}') from None
    compiled = []
    for name, module in modules:
        if getattr(module, '_compiled_call_impl', None) is None:
            module.compile(**compile_kwargs)
            compiled.append(name)
    return compiled


@HOOKS.register_module()
class CompileModulesHook(Hook):
    """Before the run (training, validation or test), compile the model's submodules named by
    the config's ``compile_modules`` list with :func:`compile_modules`; an empty or missing list
    does nothing.

    Args:
        **compile_kwargs: arguments of ``torch.compile``, e.g. ``mode``, ``dynamic``,
            ``backend``, over :data:`DEFAULT_COMPILE_KWARGS` (``dynamic=False``).
    """

    priority = 'VERY_HIGH'

    def __init__(self, **compile_kwargs) -> None:
        self.compile_kwargs = dict(DEFAULT_COMPILE_KWARGS, **compile_kwargs)

    def before_run(self, runner) -> None:
        names = runner.cfg.get('compile_modules') or []
        if not names:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        compiled = compile_modules(model, names, **self.compile_kwargs)
        runner.logger.info(f'torch.compile ({self.compile_kwargs}) of {", ".join(compiled)}')
