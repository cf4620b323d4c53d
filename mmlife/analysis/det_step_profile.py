"""Where the time of one DETR training step goes: per phase wall time, aten ops and host syncs.

:func:`profile_det_step` builds a detection config's model and optimizer wrapper as the Runner
does (``custom_imports``, the config's ``default_scope``, ``MODELS.build``,
``build_optim_wrapper``; ``amp='fp16'|'bf16'`` turns it into ``AmpOptimWrapper`` as
``tools/train.py --amp`` does), feeds it batches of the config's train dataloader or synthetic
ones (random images and boxes of the train pipeline's ``Resize`` size, put together by the
train dataloader's ``collate_fn``) and runs the steps of
``model.train_step`` + ``RuntimeInfoHook`` in these phases (the config's ``compile_modules``
compiled first, as :class:`~mmlife.engine.CompileModulesHook` does in training):

=================  =========================================================================
data_preprocessor  ``model.data_preprocessor(data, True)`` (to the device, normalize, pad)
backbone+neck      ``model.extract_feat``
transformer        ``model.forward_transformer`` (encoder and decoder)
head_loss          ``model.bbox_head.loss`` (incl. Hungarian matching) + ``parse_losses``
backward           ``optim_wrapper.backward`` (loss scaling under AMP)
optimizer          ``optim_wrapper.step`` (incl. grad clipping) + ``zero_grad``
log_vars           ``MessageHub.update_scalar`` of every loss, as mmengine's stock
                   ``RuntimeInfoHook`` does every iteration (one host read a loss); the
                   configs' :class:`~mmlife.engine.DeferredRuntimeInfoHook` makes those reads
                   once per logging interval, so a training step pays this phase rarely
=================  =========================================================================

Three kinds of numbers:

- time: ``iters`` steps after ``warmup`` ones, with ``torch.cuda.synchronize()`` at every phase
  boundary (per phase ms), and as many steps with a sync only at the end of each (``step_ms``
  and ``img_per_s``: the throughput, phases overlapping as in training; the wait for the batch
  is not part of it, it is ``data_wait_ms``);
- aten ops per phase (one more step under a ``TorchDispatchMode`` counter, backward included):
  each is at least one kernel launch on a GPU, except views, so on CPU it is a
  hardware-independent proxy of the host time of a GPU step;
- host syncs per phase, by kind: calls that copy a value to the host (``item``, ``tolist``,
  ``cpu``, ``numpy``, ``bool``/``int``/``float`` of a tensor, ``to('cpu')`` of a CUDA tensor) and
  aten ops with an output size read from the data (``nonzero``, ``unique``, ``masked_select``).
  On CUDA only calls on CUDA tensors count, and ``cuda_syncs`` adds what CUDA's sync debug mode
  reports. On CPU every such call counts, also reads of tensors that stay on the host in a GPU
  run: e.g. torch's single-tensor and foreach AdamW read every parameter's step count with
  ``item`` (on a GPU too: the counts stay on the host); the configs' fused AdamW does not.
"""
import collections
import contextlib
import time
from typing import Dict, Optional, Sequence

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from mmlife.datasets.collate import build_collate
from .runner_profile import count_cuda_syncs

PHASES = ('data_preprocessor', 'backbone+neck', 'transformer', 'head_loss', 'backward',
          'optimizer', 'log_vars')
AMP_DTYPES = {'fp16': 'float16', 'bf16': 'bfloat16'}
_HOST_READS = {torch.Tensor.item: 'item', torch.Tensor.tolist: 'tolist',
               torch.Tensor.cpu: 'cpu', torch.Tensor.numpy: 'numpy',
               torch.Tensor.__bool__: 'bool', torch.Tensor.__int__: 'int',
               torch.Tensor.__float__: 'float'}
_DATA_SHAPED_OPS = ('nonzero', '_unique2', 'unique_dim', 'unique_consecutive', 'masked_select')


def load_config(path: str, cfg_options: Optional[dict] = None,
                batch_size: Optional[int] = None, amp: str = 'none'):
    """The config with ``cfg_options`` merged, the train batch size and AMP set."""
    from mmengine.config import Config
    from mmlife.utils import check_cfg_options
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(check_cfg_options(cfg, cfg_options))
    if batch_size is not None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        cfg.train_dataloader.batch_size = batch_size
    if amp not in ('none', *AMP_DTYPES):
        raise ValueError(f"amp must be 'none', 'fp16' or 'bf16', got {amp!r}")
    if amp != 'none':
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'amp needs OptimWrapper or AmpOptimWrapper, got {wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        cfg.optim_wrapper.dtype = AMP_DTYPES[amp]
    return cfg


def build_detector(cfg, device: str):
    """The config's model (not initialised: no ``init_weights``, no checkpoint read) on
    ``device``, built with the config's ``custom_imports`` and ``default_scope``."""
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.utils import import_modules_from_strings
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return MODELS.build(cfg.model).to(device)


def build_model_and_optim(cfg, device: str):
    """The config's model (random init, no checkpoint read) on ``device``
    (:func:`build_detector`), and its optimizer wrapper."""
    from mmengine.optim import build_optim_wrapper

    from mmlife.engine.hooks.compile_modules_hook import (DEFAULT_COMPILE_KWARGS,
                                                          compile_modules)
    model = build_detector(cfg, device)
    for name in ('extract_feat', 'forward_transformer', 'bbox_head'):
        if not hasattr(model, name):
            raise TypeError(f'{type(model).__name__} is not a DETR-like detector (no '
                            f'{name}); the profiler splits the steps of mmdet '
                            'DetectionTransformer models')
    model.train()
    # the config's compile_modules, as CompileModulesHook compiles them for tools/train.py
    compile_modules(model, cfg.get('compile_modules') or [], **DEFAULT_COMPILE_KWARGS)
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def train_image_size(cfg) -> Sequence[int]:
    """``(H, W)`` of the train pipeline's ``Resize`` (``scale`` is ``(W, H)`` or an int)."""
    for step in cfg.train_dataloader.dataset.get('pipeline', []):
        if step.get('type') == 'Resize' and step.get('scale') is not None:
            scale = step['scale']
            return (scale, scale) if isinstance(scale, int) else (scale[1], scale[0])
    raise ValueError('no Resize with a scale in train_dataloader.dataset.pipeline: give the '
                     'synthetic image size with --cfg-options on the pipeline')


def synthetic_batch(num_images: int, size, num_classes: int, seed: int = 0,
                    max_objects: int = 4) -> dict:
    """``num_images`` uint8 ``3 x H x W`` images (``size``: ``H = W`` or ``(H, W)``) on a dark
    noisy background, each with 1 to ``max_objects`` filled rectangles, one colour a class, and
    the matching ``DetDataSample`` s (``gt_instances``: ``xyxy`` boxes in pixels, labels), as
    the train dataloader yields them."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    if num_classes < 1:
        raise ValueError(f'num_classes must be >= 1, got {num_classes!r}')
    h, w = (size, size) if isinstance(size, int) else size
    g = torch.Generator().manual_seed(seed)
    palette = torch.randint(60, 256, (num_classes, 3), generator=g, dtype=torch.uint8)
    inputs, samples = [], []
    for _ in range(num_images):
        img = torch.randint(0, 40, (3, h, w), generator=g, dtype=torch.uint8)
        n = int(torch.randint(1, max_objects + 1, (1, ), generator=g))
        wh = (torch.rand(n, 2, generator=g) * 0.35 + 0.15) * torch.tensor([w, h])
        xy = torch.rand(n, 2, generator=g) * (torch.tensor([w, h]) - wh)
        boxes = torch.cat([xy, xy + wh], 1).round()
        labels = torch.randint(num_classes, (n, ), generator=g)
        for (x1, y1, x2, y2), label in zip(boxes.int().tolist(), labels.tolist()):
            img[:, y1:y2, x1:x2] = palette[label][:, None, None]
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(bboxes=boxes, labels=labels)
        inputs.append(img)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def synthetic_batches(batch_size: int, img_hw: Sequence[int], num_classes: int,
                      max_boxes: int = 20, seed: int = 0, pool: int = 2, collate=None):
    """Endless :func:`synthetic_batch` es with 1 to ``max_boxes`` boxes an image; ``pool``
    distinct batches made once, then repeated (so making them costs no step time). Each is
    put together by ``collate`` from its samples, as the data loader does (default mmengine's
    ``pseudo_collate``: lists of images and data samples)."""
    from mmengine.dataset import pseudo_collate
    collate = collate or pseudo_collate
    batches = [synthetic_batch(batch_size, tuple(img_hw), num_classes, seed + k, max_boxes)
               for k in range(pool)]
    while True:
        for batch in batches:  # fresh containers: the preprocessor replaces them
            yield collate([dict(inputs=img, data_samples=s.clone())
                           for img, s in zip(batch['inputs'], batch['data_samples'])])



def dataloader_batches(cfg):
    """Endless batches of the config's train dataloader."""
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(cfg.train_dataloader)
    while True:
        yield from loader


class _OpCounter(TorchDispatchMode):
    """Counts aten ops (and data-shaped ops, host syncs on a GPU) into ``counts[phase]``."""

    def __init__(self, counts, syncs, cuda):
        super().__init__()
        self.counts, self.syncs, self.cuda, self.phase = counts, syncs, cuda, None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.counts[self.phase][func.overloadpacket.__name__] += 1
        name = func.overloadpacket.__name__
        if name in _DATA_SHAPED_OPS and (not self.cuda or _on_cuda(args)):
            self.syncs[self.phase][name] += 1
        return out


class _HostReadCounter(TorchFunctionMode):
    """Counts tensor-to-host reads (``item``, ``cpu``, ``bool``, ...) into ``syncs[phase]``."""

    def __init__(self, syncs, cuda):
        super().__init__()
        self.syncs, self.cuda, self.phase = syncs, cuda, None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kind = _HOST_READS.get(func)
        if kind is None and func is torch.Tensor.to and _on_cuda(args[:1]) and \
                _to_cpu(args, kwargs or {}):
            kind = 'to_cpu'  # only from a GPU: on CPU runs .to('cpu') is the host-to-device
        if kind is not None and (not self.cuda or _on_cuda(args[:1])):
            self.syncs[self.phase][kind] += 1
        return func(*args, **(kwargs or {}))


def _on_cuda(args) -> bool:
    return any(isinstance(a, torch.Tensor) and a.is_cuda for a in args)


def _to_cpu(args, kwargs) -> bool:
    target = kwargs.get('device', args[1] if len(args) > 1 else None)
    return isinstance(target, (str, torch.device)) and torch.device(target).type == 'cpu'


class _Phases:
    """Runs the phases of one step; times them (optionally synced) and switches counters."""

    def __init__(self, sync: bool, counters=()):
        self.sync, self.counters = sync and torch.cuda.is_available(), counters
        self.times: Dict[str, float] = collections.defaultdict(float)
        self.cuda_syncs: Dict[str, int] = collections.Counter()
        self.record_cuda_syncs = False

    @contextlib.contextmanager
    def __call__(self, name):
        for c in self.counters:
            c.phase = name
        if self.sync:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with count_cuda_syncs(self.record_cuda_syncs) as syncs:
            yield
        self.cuda_syncs[name] += syncs.count
        if self.sync:
            torch.cuda.synchronize()
        self.times[name] += time.perf_counter() - start


def train_step(model, optim_wrapper, data: dict, phase, message_hub) -> None:
    """``BaseModel.train_step`` + ``RuntimeInfoHook.after_train_iter``, split into phases."""
    with optim_wrapper.optim_context(model):
        with phase('data_preprocessor'):
            data = model.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        with phase('backbone+neck'):
            feats = model.extract_feat(inputs)
        with phase('transformer'):
            head_inputs = model.forward_transformer(feats, samples)
        with phase('head_loss'):
            losses = model.bbox_head.loss(**head_inputs, batch_data_samples=samples)
            loss, log_vars = model.parse_losses(losses)
    with phase('backward'):
        optim_wrapper.backward(loss)
    with phase('optimizer'):
        optim_wrapper.step()
        optim_wrapper.zero_grad()
    with phase('log_vars'):
        for key, value in log_vars.items():
            message_hub.update_scalar(f'train/{key}', value)


def profile_det_step(config: str, cfg_options: Optional[dict] = None,
                     batch_size: Optional[int] = None, iters: int = 10, warmup: int = 3,
                     amp: str = 'none', synthetic: bool = False,
                     device: Optional[str] = None, seed: int = 0) -> dict:
    """Profile training steps of a DETR config; returns a JSON-able dict (see module doc)."""
    from mmengine.logging import MessageHub
    if iters < 1 or warmup < 0:
        raise ValueError(f'iters must be >= 1 and warmup >= 0, got {iters} and {warmup}')
    if amp not in ('none', *AMP_DTYPES):
        raise ValueError(f"amp must be 'none', 'fp16' or 'bf16', got {amp!r}")
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cuda = torch.device(device).type == 'cuda'
    if amp != 'none' and not cuda:
        raise ValueError(f'amp={amp!r} needs a CUDA device (AmpOptimWrapper), got {device}')
    cfg = load_config(config, cfg_options, batch_size, amp)
    torch.manual_seed(seed)
    model, optim_wrapper = build_model_and_optim(cfg, device)
    bs = cfg.train_dataloader.batch_size
    img_hw = train_image_size(cfg)
    batches = (synthetic_batches(bs, img_hw, model.bbox_head.num_classes, seed=seed,
                                 collate=build_collate(cfg.train_dataloader))
               if synthetic else dataloader_batches(cfg))
    hub = MessageHub.get_instance('det_step_profile')
    for _ in range(warmup):
        train_step(model, optim_wrapper, next(batches), _Phases(sync=False), hub)

    def run(phases):
        """Mean seconds of a step and of waiting for its batch (not part of the step)."""
        step = wait = 0.
        for _ in range(iters):
            start = time.perf_counter()
            data = next(batches)
            wait += time.perf_counter() - start
            start = time.perf_counter()
            train_step(model, optim_wrapper, data, phases, hub)
            if cuda:
                torch.cuda.synchronize()
            step += time.perf_counter() - start
        return step / iters, wait / iters

    step_s, wait_s = run(_Phases(sync=False))
    timed = _Phases(sync=True)
    run(timed)
    ops = collections.defaultdict(collections.Counter)
    syncs = collections.defaultdict(collections.Counter)
    op_counter, read_counter = _OpCounter(ops, syncs, cuda), _HostReadCounter(syncs, cuda)
    counted = _Phases(sync=False, counters=(op_counter, read_counter))
    counted.record_cuda_syncs = cuda
    with op_counter, read_counter:
        train_step(model, optim_wrapper, next(batches), counted, hub)
    phases = {p: dict(ms=1e3 * timed.times[p] / iters, aten_ops=sum(ops[p].values()),
                      syncs=sum(syncs[p].values()), sync_kinds=dict(syncs[p]),
                      top_ops=dict(ops[p].most_common(8)))
              for p in PHASES}
    if cuda:
        for p in PHASES:
            phases[p]['cuda_syncs'] = counted.cuda_syncs[p]
    return dict(config=config, device=device, amp=amp, batch_size=bs, img_hw=list(img_hw),
                synthetic=synthetic, iters=iters, warmup=warmup,
                head=type(model.bbox_head).__name__,
                step_ms=1e3 * step_s, img_per_s=bs / step_s, data_wait_ms=1e3 * wait_s,
                aten_ops=sum(p['aten_ops'] for p in phases.values()),
                syncs=sum(p['syncs'] for p in phases.values()), phases=phases)


def table(result: dict) -> str:
    """The per phase numbers of :func:`profile_det_step` as a text table."""
    cuda = 'cuda_syncs' in result['phases'][PHASES[0]]
    head = f"{'phase':<18}{'ms':>9}{'aten ops':>10}{'syncs':>7}" + \
        (f"{'cuda syncs':>11}" if cuda else '') + '  sync kinds'
    lines = [f"{result['config']}  ({result['head']}, batch {result['batch_size']}, "
             f"{result['img_hw'][0]}x{result['img_hw'][1]}, amp {result['amp']}, "
             f"{result['device']})", head]
    for name, p in result['phases'].items():
        kinds = ', '.join(f'{k} {v}' for k, v in sorted(p['sync_kinds'].items()))
        lines.append(f"{name:<18}{p['ms']:>9.1f}{p['aten_ops']:>10}{p['syncs']:>7}" +
                     (f"{p['cuda_syncs']:>11}" if cuda else '') + f'  {kinds}')
    lines.append(f"{'step (no phase syncs)':<18}{result['step_ms']:>6.1f}"
                 f"{result['aten_ops']:>10}{result['syncs']:>7}   "
                 f"{result['img_per_s']:.1f} img/s")
    return '\n'.join(lines)

