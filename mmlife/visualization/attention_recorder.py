"""Record softmax attention probabilities of a model's attention modules, only while asked to.

Training and inference use fused ``scaled_dot_product_attention`` kernels that return no weights.
:class:`AttentionRecorder` is a context manager that, while active, makes every supported attention
module under a root module also compute its attention probabilities and store them, one record
per call, in call order::

    with AttentionRecorder(model.backbone) as rec:
        model.test_step(data)
    attns = rec.attentions          # list of (B, heads, N, N), one per block, extra tokens first

The module's own output is always computed by its own code path, so outputs are bit-identical
with and without the recorder; the probabilities are computed on the side (without grad by
default). On exit every patch and hook is removed: outside the context nothing changes and nothing
is stored.

Supported out of the box (a *handler* each; add more with :func:`register_attention_handler`):

- ``sdpa_attribute``: modules that call ``self.scaled_dot_product_attention(q, k, v, ...)``, i.e.
  mmpretrain's ``MultiheadAttention`` family (ViT/DeiT +/- LIFE, T2T-ViT(-LIFE), whose
  ``partial(F.scaled_dot_product_attention, scale=...)`` is honoured). The probabilities are
  the same function applied to an identity value matrix, so masks, scales and any quirk of that
  function are reproduced exactly.
- ``torch_mha``: ``torch.nn.MultiheadAttention`` (wrapped by mmcv's ``MultiheadAttention``, used by
  mmdet's DETR encoder and decoder). The forward is called once more with ``need_weights=True,
  average_attn_weights=False``.
- ``functional_sdpa``: modules that call ``F.scaled_dot_product_attention`` themselves, e.g.
  mmlife's DETR ``LIFEMultiheadAttention`` (classes registered with
  :func:`register_functional_sdpa_class`, which that class does where it is defined, so the
  recorder imports no detection code): during their forward only,
  ``torch.nn.functional.scaled_dot_product_attention`` is a recording wrapper.
- ``window_softmax``: window attention that applies a child ``nn.Softmax`` called ``softmax``
  (Swin ``WindowMSA``/``WindowMSAV2``, mmlife's SwinV2-LIFE). Records are per window,
  ``(B * num_windows, heads, Wh * Ww, Wh * Ww)``, with ``kind='window'``; roll-out across shifted
  windows and stages is not defined, so :attr:`AttentionRecorder.attentions` leaves them out.
"""
import contextlib
import inspect
import re
from typing import Callable, Dict, List, NamedTuple, Union

import torch
import torch.nn as nn


class AttentionRecord(NamedTuple):
    """One call of one attention module.

    Attributes:
        name (str): the module's name relative to the recorder's root (``''`` for the root).
        kind (str): ``'global'`` (every query attends to every key of the sequence) or
            ``'window'`` (local windows, batch and windows flattened together).
        probs (Tensor): ``(B, heads, N_queries, N_keys)`` softmax probabilities.
    """
    name: str
    kind: str
    probs: torch.Tensor


RecordFn = Callable[[torch.Tensor, str], None]
Installer = Callable[[nn.Module, RecordFn], Callable[[], None]]


class _Handler(NamedTuple):
    name: str
    matches: Callable[[nn.Module], bool]
    install: Installer


_HANDLERS: List[_Handler] = []


def register_attention_handler(name: str, matches: Callable[[nn.Module], bool],
                               install: Installer, prepend: bool = True) -> None:
    """Teach :class:`AttentionRecorder` a new kind of attention module.

    Args:
        name (str): a name for the handler (unique; re-registering replaces it).
        matches (callable): ``matches(module) -> bool``.
        install (callable): ``install(module, record) -> undo``; patches ``module`` so that each
            forward calls ``record(probs, kind)`` with ``(B, heads, Nq, Nk)`` probabilities, and
            returns a no-argument function that removes every trace of the patch.
        prepend (bool): try this handler before the existing ones. Defaults to True.
    """
    global _HANDLERS
    handlers = [h for h in _HANDLERS if h.name != name]
    new = _Handler(name, matches, install)
    _HANDLERS = [new] + handlers if prepend else handlers + [new]


def registered_handlers() -> List[str]:
    """Names of the registered handlers, in the order they are tried."""
    return [h.name for h in _HANDLERS]


def _is_inside(name: str, parent: str) -> bool:
    return parent == '' or name == parent or name.startswith(parent + '.')


def _side_computation(record: RecordFn):
    """Grad mode for computing the probabilities: off unless the recorder keeps the graph."""
    return torch.no_grad() if getattr(record, 'detach', True) else contextlib.nullcontext()


def _set_instance_attr(module: nn.Module, attr: str, value) -> Callable[[], None]:
    """Set ``module.attr`` as an instance attribute; return a function that restores it exactly."""
    had = attr in module.__dict__
    old = module.__dict__.get(attr)

    def undo():
        if had:
            setattr(module, attr, old)
        else:
            delattr(module, attr)

    setattr(module, attr, value)
    return undo


# ----------------------------------------------------------------------------------------------
# Built-in handlers
# ----------------------------------------------------------------------------------------------
def _is_sdpa_attribute(module: nn.Module) -> bool:
    return callable(getattr(module, 'scaled_dot_product_attention', None)) and \
        not isinstance(module, nn.MultiheadAttention)


def _recording_sdpa(orig: Callable, record: RecordFn) -> Callable:
    """``orig`` (an sdpa-like function) that also records its softmax probabilities."""

    def sdpa(query, key, value, *args, **kwargs):
        out = orig(query, key, value, *args, **kwargs)
        # softmax(QK^T * scale + mask) @ I == the probabilities, computed by the very same function
        n_keys = key.shape[-2]
        eye = torch.eye(n_keys, dtype=value.dtype, device=value.device)
        eye = eye.expand(*value.shape[:-2], n_keys, n_keys)
        args = list(args)
        if len(args) >= 2:  # (attn_mask, dropout_p, ...) given positionally
            args[1] = 0.
        else:
            kwargs['dropout_p'] = 0.
        with _side_computation(record):
            probs = orig(query, key, eye, *args, **kwargs)
        record(probs, 'global')
        return out

    return sdpa


def _install_sdpa_attribute(module: nn.Module, record: RecordFn) -> Callable[[], None]:
    sdpa = _recording_sdpa(module.scaled_dot_product_attention, record)
    return _set_instance_attr(module, 'scaled_dot_product_attention', sdpa)


# module classes (subclasses included) that call F.scaled_dot_product_attention; each one is
# registered where it is defined, so that this module never imports mmdet or mmseg
_FUNCTIONAL_SDPA_CLASSES: List[type] = []


def register_functional_sdpa_class(cls: type) -> type:
    """Record a module class that calls ``torch.nn.functional.scaled_dot_product_attention``
    (looked up at call time, i.e. ``F.scaled_dot_product_attention(...)``) once per forward.

    While such a module runs under an active recorder, ``F.scaled_dot_product_attention`` is
    temporarily a recording wrapper. Subclasses match too. Returns ``cls``, so it can decorate
    the class where it is defined (mmlife's DETR ``LIFEMultiheadAttention`` does)::

        @register_functional_sdpa_class
        class MyAttention(nn.Module):
            ...
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError('register_functional_sdpa_class takes an nn.Module subclass, got '
                        f'{cls!r}')
    if cls not in _FUNCTIONAL_SDPA_CLASSES:
        _FUNCTIONAL_SDPA_CLASSES.append(cls)
    return cls


def _is_functional_sdpa(module: nn.Module) -> bool:
    return isinstance(module, tuple(_FUNCTIONAL_SDPA_CLASSES))


def _install_functional_sdpa(module: nn.Module, record: RecordFn) -> Callable[[], None]:
    orig_forward = module.forward
    functional = torch.nn.functional

    def forward(*args, **kwargs):
        orig = functional.scaled_dot_product_attention
        functional.scaled_dot_product_attention = _recording_sdpa(orig, record)
        try:
            return orig_forward(*args, **kwargs)
        finally:
            functional.scaled_dot_product_attention = orig

    return _set_instance_attr(module, 'forward', forward)


_MHA_SIGNATURE = inspect.signature(nn.MultiheadAttention.forward)


def _install_torch_mha(module: nn.Module, record: RecordFn) -> Callable[[], None]:
    orig = module.forward

    def forward(*args, **kwargs):
        out = orig(*args, **kwargs)
        bound = _MHA_SIGNATURE.bind(module, *args, **kwargs)
        call = {k: v for k, v in bound.arguments.items() if k != 'self'}
        call.update(need_weights=True, average_attn_weights=False)
        with _side_computation(record):
            probs = orig(**call)[1]
        record(probs, 'global')
        return out

    return _set_instance_attr(module, 'forward', forward)


def _is_window_softmax(module: nn.Module) -> bool:
    return isinstance(getattr(module, 'softmax', None), nn.Softmax) and \
        hasattr(module, 'window_size')


def _install_window_softmax(module: nn.Module, record: RecordFn) -> Callable[[], None]:
    handle = module.softmax.register_forward_hook(lambda m, i, o: record(o, 'window'))
    return handle.remove


register_attention_handler('window_softmax', _is_window_softmax, _install_window_softmax)
register_attention_handler('torch_mha', lambda m: isinstance(m, nn.MultiheadAttention),
                           _install_torch_mha)
register_attention_handler('sdpa_attribute', _is_sdpa_attribute, _install_sdpa_attribute)
register_attention_handler('functional_sdpa', _is_functional_sdpa, _install_functional_sdpa)


# ----------------------------------------------------------------------------------------------
# The recorder
# ----------------------------------------------------------------------------------------------
class AttentionRecorder:
    """Context manager that records the attention probabilities of the modules under ``root``.

    Args:
        root (nn.Module): the model or a part of it (e.g. ``model.backbone``, ``model.encoder``);
            every supported attention module under it (root included) is recorded. A matched
            module's own children are not searched (no double recording).
        include (str or callable, optional): keep only modules whose name (relative to ``root``)
            matches this regular expression (``re.search``), or for which
            ``include(name, module)`` is True.
        detach (bool): compute and store probabilities without autograd. Defaults to True.
        to_cpu (bool): move each record to the CPU as it arrives. Defaults to False.

    Attributes:
        records (list[AttentionRecord]): every call, in call order (cleared on enter).
        modules (dict[str, str]): name -> handler of every patched module.

    Raises:
        ValueError: if no supported attention module is found under ``root``.
    """

    def __init__(self,
                 root: nn.Module,
                 include: Union[None, str, Callable[[str, nn.Module], bool]] = None,
                 detach: bool = True,
                 to_cpu: bool = False):
        if not isinstance(root, nn.Module):
            raise ValueError(f'AttentionRecorder needs an nn.Module, got {type(root).__name__}')
        if isinstance(include, str):
            pattern = re.compile(include)
            include = lambda name, module: pattern.search(name) is not None  # noqa: E731
        self.root = root
        self.include = include
        self.detach = detach
        self.to_cpu = to_cpu
        self.records: List[AttentionRecord] = []
        self.modules: Dict[str, str] = self._find_modules()
        if not self.modules:
            raise ValueError(
                f'no supported attention module under {type(root).__name__}'
                + (' matching include' if include is not None else '')
                + f'; known handlers: {registered_handlers()}')
        self._undo: List[Callable[[], None]] = []
        self._active = False

    def _find_modules(self) -> Dict[str, str]:
        found: Dict[str, str] = {}
        for name, module in self.root.named_modules():
            if any(_is_inside(name, parent) for parent in found):
                continue  # a child of a recorded module
            if self.include is not None and not self.include(name, module):
                continue
            for handler in _HANDLERS:
                if handler.matches(module):
                    found[name] = handler.name
                    break
        return found

    @property
    def active(self) -> bool:
        """Whether the recorder is currently installed."""
        return self._active

    @property
    def attentions(self) -> List[torch.Tensor]:
        """Probabilities of the ``'global'`` records, in call order: one per block for a model
        called once, ready for :func:`mmlife.visualization.attention_rollout`."""
        return [r.probs for r in self.records if r.kind == 'global']

    def clear(self) -> None:
        """Forget every record."""
        self.records = []

    def _recorder(self, name: str) -> RecordFn:
        def record(probs: torch.Tensor, kind: str) -> None:
            if self.detach:
                probs = probs.detach()
            if self.to_cpu:
                probs = probs.cpu()
            self.records.append(AttentionRecord(name, kind, probs))
        record.detach = self.detach
        return record

    def __enter__(self) -> 'AttentionRecorder':
        if self._active:
            raise RuntimeError('this AttentionRecorder is already active')
        self.clear()
        modules = dict(self.root.named_modules())
        handlers = {h.name: h for h in _HANDLERS}
        try:
            for name, handler in self.modules.items():
                install = handlers[handler].install
                self._undo.append(install(modules[name], self._recorder(name)))
        except BaseException:
            self._remove()
            raise
        self._active = True
        return self

    def __exit__(self, *exc) -> None:
        self._remove()

    def _remove(self) -> None:
        while self._undo:
            self._undo.pop()()
        self._active = False

