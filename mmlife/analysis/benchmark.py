"""Speed and memory of DeiT with LIFE against plain-QKV DeiT, side by side in one run.

    python tools/analysis_tools/benchmark.py [--modes eager compiled e2e host]
        [--archs deit-tiny deit-small] [--settings 32 224] [--life-impl auto|reference|fast|tokens]
        [--out work_dirs/benchmark/benchmark.json]
    python tools/analysis_tools/benchmark.py --device cpu --smoke   # a tiny CPU run (CI)

Modes (``--modes``, any subset, in this order):

``eager`` / ``compiled``
    For every (arch, setting) row both models are built from the same registry entry
    (``LIFEVisionTransformer`` with ``use_life`` False/True, plus mmpretrain's ViT head) and
    measured in the same process on synthetic data: training throughput (forward +
    cross-entropy + backward + AdamW step; bf16 autocast on CUDA, ``--amp``), inference
    throughput (forward under ``torch.inference_mode``; ``torch.no_grad`` when compiled) and
    the training peak memory of each model on its own (CUDA). ``compiled`` compiles the forward
    + loss of both models with ``torch.compile`` (``--compile-mode``, ``--compile-backend``;
    LIFE's fast path is traced as the custom op ``mmlife::life_forward``); every compiled
    callable is called with one grad mode and one input shape only, so it compiles once (see
    :func:`maybe_compile`). Unless ``--no-micro``, a LIFE-only table times one LIFE against
    the ``nn.Linear(C, 3C)`` it replaces on the same tokens, for the DeiT rows and for
    ``--micro-extra`` rows: DETR's encoder grid (32 x 32 tokens, C = 256, a key padding mask)
    and a SwinV2 window (8 x 8 tokens, C = 96, a batch of windows). Its candidates are
    ``nn.Linear``, the reference path, the fast path (on CUDA) and the ``tokens`` path (the
    PyTorch formulation meant for ``torch.compile``).
``e2e``
    The training loop of ``tools/train.py``: mmengine's ``Runner`` built from the CIFAR-10
    DeiT configs (``--e2e-configs``, plain and LIFE) with the dataset replaced by
    :class:`~mmlife.analysis.synthetic_data.SyntheticImageDataset` (the config's own
    augmentation pipeline, no disk), ``--e2e-iters`` iterations after ``--warmup``, images/s
    of each; ``--e2e-compile`` sets the config's ``compile`` (mmengine's ``compile=True``).
    On CUDA the device syncs of ``--e2e-sync-iters`` more iterations are counted (CUDA's sync
    debug mode), as syncs per iteration: each stops the host until the GPU has caught up.
    ``--e2e-profile FILE`` then profiles ``--e2e-profile-iters`` more iterations with the
    Runner's phases annotated (:mod:`mmlife.analysis.runner_profile`): host ms per iteration of
    the data preprocessor, forward + loss, backward, optimizer step, hooks, ..., and the aten
    ops with the most host time, appended to FILE and kept in the JSON.
``host``
    Host (CPU) time of one LIFE forward + backward on a few tokens, where the device work is
    negligible: ``nn.Linear``, the reference path and the fast path. The fast path runs with
    its kernel launches prepared but not issued
    (:func:`mmlife.models.layers.life_launch.no_op_launches`), so it runs on a CPU too; the
    launches per call are counted.

Each time is the median of ``--repeats`` timings of ``--steps`` steps each, after ``--warmup``
steps (CUDA events on the GPU), with plain and LIFE timings interleaved so that drifts of the
machine hit both alike. Tables of ratios (LIFE / plain) are printed and everything is written
as JSON, saved again after every row and mode, so that a run cut short by a time limit keeps
what it measured (``"complete": false`` until all modes have run). The e2e rows also give the
loop's mean wait for a batch (mmengine's ``data_time``) and the images/s of the training loader
alone (the same loader, no model: whether it can feed the step at all).

Settings: ``32`` = 32x32 images, patch 4 (8x8 tokens), batch 512; ``224`` = 224x224, patch 16
(14x14 tokens), batch 256. ``--smoke`` shrinks everything (16x16 images, batch 2, one
transformer layer, 1 step) so that every mode can be checked on a CPU in seconds.
"""
import argparse
import collections
import contextlib
import json
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

SETTINGS = {
    '32': dict(img_size=32, patch_size=4, batch_size=512),
    '224': dict(img_size=224, patch_size=16, batch_size=256),
}
SMOKE = dict(img_size=16, patch_size=4, batch_size=2)
MODES = ('eager', 'compiled', 'e2e', 'host')
# LIFE-only rows beyond the DeiT ones: (C, grid, extra tokens, padding mask, batch)
MICRO_EXTRA = {
    'detr': dict(embed_dims=256, hw=(32, 32), extra=0, mask=True, batch_size=16),
    'swinv2': dict(embed_dims=96, hw=(8, 8), extra=0, mask=False, batch_size=4096),
}
MICRO_EXTRA_SMOKE = {
    'detr': dict(embed_dims=256, hw=(4, 4), extra=0, mask=True, batch_size=1),
    'swinv2': dict(embed_dims=96, hw=(8, 8), extra=0, mask=False, batch_size=2),
}
E2E_CONFIGS = ['configs/classification/deit/deit-tiny_p4_8xb64_cifar10.py',
               'configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py']
# host mode: (C, grid, extra tokens) of DeiT-T, DeiT-S and DETR; one image and a 2 x 2 grid, so
# that the arithmetic (on the CPU here) stays negligible and the host work shows
HOST_SIZES = [(192, (2, 2), 1), (384, (2, 2), 1), (256, (2, 2), 0)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--modes', nargs='+', default=['eager'], choices=MODES,
                        help='what to measure (see the module docstring); default eager')
    parser.add_argument('--archs', nargs='+', default=['deit-tiny', 'deit-small'])
    parser.add_argument('--settings', nargs='+', default=['32', '224'], choices=list(SETTINGS))
    parser.add_argument('--batch-size', type=int, default=None,
                        help='override the batch size of every setting')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', default=None, choices=['bf16', 'fp16', 'none'],
                        help='autocast dtype (default: bf16 on CUDA, none on CPU)')
    parser.add_argument('--life-impl', default=None,
                        choices=['auto', 'reference', 'fast', 'tokens'],
                        help='LIFE implementation (default: $MMLIFE_LIFE_IMPL, else auto)')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--steps', type=int, default=10, help='steps per timing')
    parser.add_argument('--repeats', type=int, default=5, help='timings per measurement')
    parser.add_argument('--no-micro', action='store_true', help='skip the LIFE-only benchmark')
    parser.add_argument('--micro-extra', nargs='*', default=list(MICRO_EXTRA),
                        choices=list(MICRO_EXTRA), help='extra LIFE-only rows')
    parser.add_argument('--compile-mode', default=None,
                        choices=['default', 'reduce-overhead', 'max-autotune',
                                 'max-autotune-no-cudagraphs'],
                        help='torch.compile mode of the compiled mode (default: default)')
    parser.add_argument('--compile-backend', default='inductor',
                        help="torch.compile backend ('inductor'; 'aot_eager' needs no compiler)")
    parser.add_argument('--e2e-configs', nargs=2, default=E2E_CONFIGS,
                        metavar=('PLAIN', 'LIFE'), help='the two configs of the e2e mode')
    parser.add_argument('--e2e-iters', type=int, default=50,
                        help='timed Runner iterations (after --warmup)')
    parser.add_argument('--e2e-workers', type=int, default=None,
                        help="dataloader workers (default: the config's)")
    parser.add_argument('--e2e-profile', default=None, metavar='FILE',
                        help='after the timed iterations, profile --e2e-profile-iters more '
                        'with the Runner\'s phases annotated, and append the tables to FILE')
    parser.add_argument('--e2e-profile-iters', type=int, default=10,
                        help='iterations profiled by --e2e-profile')
    parser.add_argument('--e2e-sync-iters', type=int, default=3,
                        help='on CUDA, after the timed iterations, count the device syncs of '
                        'this many more (CUDA sync debug mode); 0: no count')
    parser.add_argument('--e2e-cfg-options', nargs='+', action=_dict_action(), default=None,
                        metavar='KEY=VALUE',
                        help='config overrides of both e2e configs, as tools/train.py '
                        '--cfg-options (e.g. default_hooks.runtime_info.type=RuntimeInfoHook)')
    parser.add_argument('--e2e-compile', action='store_true',
                        help="set the configs' compile=True (mmengine compiles train_step)")
    parser.add_argument('--life-launch-alt', nargs='+', default=None, metavar='KEY=VALUE',
                        help='also time the LIFE model with these fast-path launch settings '
                        '(life_launch.SETTINGS, e.g. SPLIT_CONV=0 DW_PROGRAMS_PER_SM=4), '
                        'interleaved with the other two arms (eager and compiled modes)')
    parser.add_argument('--smoke', action='store_true',
                        help='tiny sizes and 1 step: checks that the script runs (CPU CI)')
    parser.add_argument('--profile', default=None, metavar='FILE',
                        help='append a torch.profiler table of 3 training steps of every '
                        'model to FILE')
    parser.add_argument('--num-classes', type=int, default=100)
    parser.add_argument('--out', default='work_dirs/benchmark/benchmark.json',
                        help='JSON file to write')
    args = parser.parse_args(argv)
    if args.amp is None:
        args.amp = 'bf16' if args.device.startswith('cuda') else 'none'
    if args.smoke:
        args.warmup, args.steps, args.repeats, args.e2e_iters = 1, 1, 1, 2
        args.e2e_profile_iters = min(args.e2e_profile_iters, 2)
    if args.life_launch_alt is not None:
        args.life_launch_alt = parse_launch_settings(args.life_launch_alt, parser.error)
    for name in ('warmup', 'steps', 'repeats', 'e2e_iters', 'e2e_profile_iters',
                 'e2e_sync_iters'):
        if getattr(args, name) < (0 if name in ('warmup', 'e2e_sync_iters') else 1):
            parser.error(f"--{name.replace('_', '-')} must be positive, "
                         f'got {getattr(args, name)}')
    return args


def parse_launch_settings(items: List[str], error: Callable[[str], None]) -> Dict[str, object]:
    """``['SPLIT_CONV=0', 'DW_PROGRAMS_PER_SM=4']`` -> ``{'SPLIT_CONV': False, ...}``
    (``life_launch.parse_setting``); ``error`` gets what is wrong."""
    from mmlife.models.layers import life_launch
    out = {}
    for item in items:
        name, sep, text = item.partition('=')
        if not sep:
            error(f'--life-launch-alt takes KEY=VALUE with KEY in '
                  f'{sorted(life_launch.SETTINGS)}, got {item!r}')
        try:
            out[name] = life_launch.parse_setting(name, text)
        except ValueError as err:
            error(f'--life-launch-alt: {err}')
    return out


def amp_dtype(name: str) -> Optional[torch.dtype]:
    return {'bf16': torch.bfloat16, 'fp16': torch.float16, 'none': None}[name]


class Timer:
    """Median seconds of ``steps`` calls of ``fn``, over ``repeats`` timings."""

    def __init__(self, device: torch.device, steps: int, repeats: int):
        self.device, self.steps, self.repeats = device, steps, repeats

    def __call__(self, fn: Callable[[], None], repeats: Optional[int] = None
                 ) -> Dict[str, object]:
        times = []
        for _ in range(repeats or self.repeats):
            if self.device.type == 'cuda':
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                for _ in range(self.steps):
                    fn()
                end.record()
                end.synchronize()
                seconds = start.elapsed_time(end) / 1e3
            else:
                t0 = time.perf_counter()
                for _ in range(self.steps):
                    fn()
                seconds = time.perf_counter() - t0
            times.append(seconds / self.steps)
        return dict(median_s=statistics.median(times), all_s=times)


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def build_classifier(arch: str, img_size: int, patch_size: int, use_life: bool,
                     num_classes: int, life_impl: Optional[str],
                     num_layers: Optional[int] = None) -> nn.Module:
    """mmpretrain ImageClassifier: (LIFE)VisionTransformer + VisionTransformerClsHead.

    ``num_layers`` overrides the arch's depth (the smoke run uses one layer)."""
    import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer)
    from mmlife.models import LIFEVisionTransformer
    from mmpretrain.registry import MODELS
    if arch not in LIFEVisionTransformer.arch_zoo:
        raise ValueError(f'unknown arch {arch!r}; choose from '
                         f'{sorted(LIFEVisionTransformer.arch_zoo)}')
    arch_cfg = LIFEVisionTransformer.arch_zoo[arch]
    embed_dims = arch_cfg['embed_dims']
    backbone_arch = arch if num_layers is None else dict(arch_cfg, num_layers=num_layers)
    backbone = dict(type='LIFEVisionTransformer', arch=backbone_arch, img_size=img_size,
                    patch_size=patch_size, drop_path_rate=0.1, use_life=use_life)
    if use_life and life_impl is not None:
        backbone['life_cfg'] = dict(impl=life_impl)
    return MODELS.build(dict(
        _scope_='mmpretrain',  # whatever default scope the caller has set
        type='ImageClassifier', backbone=backbone, neck=None,
        head=dict(type='VisionTransformerClsHead', num_classes=num_classes,
                  in_channels=embed_dims, loss=dict(type='CrossEntropyLoss'))))


def maybe_compile(fn: Callable, args) -> Callable:
    """``fn`` compiled as the compiled mode asks (``--compile-mode``, ``--compile-backend``).

    Each compiled callable here is called with one grad mode, one autocast state and one input
    shape only, so that it compiles once (``dynamic=False``: no shape-generic recompile either).
    Dynamo keeps its graphs per code object, shared by every callable made from the same
    function (a lambda, a method of another model) and counted against
    ``torch._dynamo.config.recompile_limit`` (8), after which it runs the frame eagerly: the
    measurements call :func:`torch._dynamo.reset` first, so that the graphs of earlier rows do
    not count."""
    mode = None if args.compile_mode in (None, 'default') else args.compile_mode
    return torch.compile(fn, mode=mode, backend=args.compile_backend, dynamic=False)


class ModelRunner:
    """One classifier with its optimizer and its training/inference step on fixed data.

    With ``compiled`` the forward + loss (training, with grad) and the forward (inference,
    under no_grad) run through two ``torch.compile`` callables; the optimizer step stays eager
    in both arms."""

    def __init__(self, arch, setting, use_life, args, device, images, labels,
                 compiled=False, launch=None):
        torch.manual_seed(0)
        self.launch = launch  # fast-path launch settings of this arm's steps (None: the module's)
        self.model = build_classifier(arch, setting['img_size'], setting['patch_size'], use_life,
                                      args.num_classes, args.life_impl,
                                      1 if args.smoke else None).to(device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-4, weight_decay=0.05)
        self.images, self.labels = images, labels
        self.dtype = amp_dtype(args.amp)
        self.device = device
        self.params = sum(p.numel() for p in self.model.parameters())
        self._loss = maybe_compile(self._loss_eager, args) if compiled else self._loss_eager
        self._logits = maybe_compile(self.logits, args) if compiled else self.logits
        # dynamo (torch 2.11) fails a guard of its own under inference_mode on mmpretrain's
        # DropPath (a numpy drop_prob): the compiled arms infer under no_grad
        self._no_grad = torch.no_grad if compiled else torch.inference_mode

    def logits(self):
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                            enabled=self.dtype is not None):
            return self.model.head(self.model.extract_feat(self.images))

    def _loss_eager(self):
        return F.cross_entropy(self.logits().float(), self.labels)

    def _settings(self):
        if self.launch is None:
            return contextlib.nullcontext()
        from mmlife.models.layers import life_launch
        return life_launch.launch_settings(**self.launch)

    def train_step(self):
        with self._settings():
            loss = self._loss()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    def infer_step(self):
        with self._settings(), self._no_grad():
            self._logits()


def measure_row(arch, setting, args, device, timer, compiled=False
                ) -> Dict[str, Dict[str, object]]:
    """Plain and LIFE model of one row: memory one after the other, then timings interleaved
    (plain, LIFE, plain, LIFE, ...) so that drifts of the machine hit both alike. With
    ``--life-launch-alt`` a third arm, ``life_alt``: the LIFE model (the same weights) with those
    launch settings, interleaved with the other two."""
    B = setting['batch_size']
    if compiled:
        torch._dynamo.reset()  # see maybe_compile
    images = torch.randn(B, 3, setting['img_size'], setting['img_size'], device=device)
    labels = torch.randint(0, args.num_classes, (B, ), device=device)
    runners, results = {}, {}
    arms = [('plain', False, None), ('life', True, None)]
    if args.life_launch_alt:
        arms.append(('life_alt', True, args.life_launch_alt))
    for name, use_life, launch in arms:
        sync(device)
        base = torch.cuda.memory_allocated(device) if device.type == 'cuda' else 0
        runner = runners[name] = ModelRunner(arch, setting, use_life, args, device, images,
                                             labels, compiled, launch)
        runner.model.train()
        for _ in range(max(args.warmup, 2 if compiled else 0)):
            runner.train_step()
        sync(device)
        peak = None
        if device.type == 'cuda':  # this model's own peak: everything allocated since `base`
            torch.cuda.reset_peak_memory_stats(device)
            runner.train_step()
            runner.train_step()
            sync(device)
            peak = torch.cuda.max_memory_allocated(device) - base
        results[name] = dict(peak_mem_bytes=peak, params=runner.params, train_all_s=[],
                             infer_all_s=[])
    for _ in range(args.repeats):
        for name, runner in runners.items():
            results[name]['train_all_s'] += timer(runner.train_step, repeats=1)['all_s']
    if args.profile:
        for name, runner in runners.items():
            profile_steps(runner.train_step, device, args.profile,
                          f"{arch} {setting['img_size']}px {name}, batch {B}, 3 training steps"
                          f"{' (compiled)' if compiled else ''}")
    for runner in runners.values():
        runner.model.eval()
        for _ in range(max(args.warmup, 2 if compiled else 0)):
            runner.infer_step()
    sync(device)
    for _ in range(args.repeats):
        for name, runner in runners.items():
            results[name]['infer_all_s'] += timer(runner.infer_step, repeats=1)['all_s']
    for r in results.values():
        for kind in ('train', 'infer'):
            r[f'{kind}_step_s'] = statistics.median(r[f'{kind}_all_s'])
            r[f'{kind}_img_s'] = B / r[f'{kind}_step_s']
    del runners, images, labels
    if device.type == 'cuda':
        torch.cuda.empty_cache()
    return results


def profile_steps(step: Callable[[], None], device: torch.device, path: str,
                  title: str) -> None:
    """Append the per-op table (sorted by device time) of 3 steps to ``path``."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA]
                                           if device.type == 'cuda' else [])
    with profile(activities=activities) as prof:
        for _ in range(3):
            step()
        sync(device)
    sort = 'self_cuda_time_total' if device.type == 'cuda' else 'self_cpu_time_total'
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'a') as f:
        f.write(f'\n## {title}\n')
        f.write(prof.key_averages().table(sort_by=sort, row_limit=40, max_name_column_width=70))


def measure_life_only(embed_dims, tokens_hw, batch, args, device, timer, extra=1,
                      use_mask=False, compiled=False) -> Dict[str, object]:
    """One LIFE (reference and fast) against nn.Linear(C, 3C) on the same tokens.

    ``extra`` leading non-grid tokens; ``use_mask``: a key padding mask (a quarter of the grid
    padded, as at the border of a padded detection batch); ``compiled``: every callable
    through ``torch.compile``."""
    from mmlife.models import LIFE
    from mmlife.models.layers.life_impl import fast_path_unavailable
    H, W = tokens_hw
    N = extra + H * W
    torch.manual_seed(0)
    x = torch.randn(batch, N, embed_dims, device=device, requires_grad=True)
    grad = torch.randn(batch, N, 3 * embed_dims, device=device)
    dtype = amp_dtype(args.amp)
    life = LIFE(embed_dims).to(device)
    linear = nn.Linear(embed_dims, 3 * embed_dims).to(device)
    small = torch.randn(2, N, embed_dims, device=device, requires_grad=True)
    small_grad = torch.randn(2, N, 3 * embed_dims, device=device)

    def padding(b):
        if not use_mask:
            return None
        m = torch.zeros(b, H, W, dtype=torch.bool, device=device)
        m[:, :, W - W // 4:] = True
        return m.flatten(1)

    masks = {batch: padding(batch), 2: padding(2)}
    candidates = ['linear', 'reference']
    if fast_path_unavailable(x) is None:
        candidates.append('fast')
    candidates.append('tokens')
    autocast = dict(device_type=device.type, dtype=dtype or torch.float32,
                    enabled=dtype is not None)

    def make_call(name):
        if name == 'linear':
            return lambda inp, mask: linear(inp)
        module = LIFE(embed_dims, impl=name).to(device)
        module.load_state_dict(life.state_dict())
        return lambda inp, mask: module(inp, (H, W), extra, mask)

    # one callable per (candidate, step), so that each compiled one sees one grad mode and one
    # input shape: 'fwd' (no grad) and 'fwd_bwd' on the row's batch, 'host' (fwd_bwd) on 2 images
    if compiled:
        torch._dynamo.reset()  # see maybe_compile
    calls = {}
    for name in candidates:
        fn = make_call(name)
        for step in ('fwd', 'fwd_bwd', 'host'):
            calls[name, step] = maybe_compile(fn, args) if compiled else fn

    def fwd(name):
        with torch.no_grad(), torch.autocast(**autocast):
            calls[name, 'fwd'](x, masks[batch])

    def fwd_bwd(name, step='fwd_bwd'):
        inp, g = (small, small_grad) if step == 'host' else (x, grad)
        with torch.autocast(**autocast):
            out = calls[name, step](inp, masks[inp.shape[0]])
        out.backward(g.to(out.dtype))

    result = {name: dict(fwd_all_s=[], fwd_bwd_all_s=[]) for name in candidates}
    for name in candidates:
        for _ in range(max(args.warmup, 2 if compiled else 0)):
            fwd(name)
            fwd_bwd(name)
            fwd_bwd(name, 'host')
    sync(device)
    for _ in range(args.repeats):
        for name in candidates:
            result[name]['fwd_all_s'] += timer(lambda: fwd(name), repeats=1)['all_s']
            result[name]['fwd_bwd_all_s'] += timer(lambda: fwd_bwd(name), repeats=1)['all_s']
    for name in candidates:
        r = result[name]
        r['fwd_s'] = statistics.median(r['fwd_all_s'])
        r['fwd_bwd_s'] = statistics.median(r['fwd_bwd_all_s'])
        # host (CPU) time of one forward + backward on 2 images, where the device work is
        # negligible: the launch and Python overhead that a CPU-bound training step pays
        sync(device)
        t0 = time.perf_counter()
        for _ in range(max(5, 5 * args.steps)):
            fwd_bwd(name, 'host')
        r['host_fwd_bwd_s'] = (time.perf_counter() - t0) / max(5, 5 * args.steps)
        sync(device)
    return result


def measure_host(args) -> List[Dict[str, object]]:
    """Host time (s) of one forward + backward on one image, per :data:`HOST_SIZES`: the
    ``nn.Linear``, the reference path, and the fast path with its kernel launches prepared but
    not issued (so it runs on a CPU); CPU tensors. Best of ``--repeats`` timings of
    ``5 * --steps`` calls. Also the kernel launches per forward / backward."""
    from mmlife.models import LIFE
    from mmlife.models.layers import life_impl, life_launch
    from mmlife.models.layers.life_autograd import life_fast_forward
    try:
        life_impl.kernels()
    except ImportError as err:
        print(f'host mode skipped: {err}')
        return []
    dtype = amp_dtype(args.amp if args.device == 'cpu' else 'bf16')
    autocast = dict(device_type='cpu', dtype=dtype or torch.float32, enabled=dtype is not None)
    sizes = [(48, (2, 2), 1)] if args.smoke else HOST_SIZES
    rows = []
    for C, (H, W), E in sizes:
        torch.manual_seed(0)
        x = torch.randn(1, E + H * W, C, requires_grad=True)
        g = torch.randn(1, E + H * W, 3 * C)
        life, linear = LIFE(C), nn.Linear(C, 3 * C)
        calls = dict(linear=lambda: linear(x),
                     reference=lambda: life(x, (H, W), E),
                     fast=lambda: life_fast_forward(life, x, (H, W), E, None))

        def fwd_bwd(fn):
            with torch.autocast(**autocast):
                out = fn()
            out.backward(g.to(out.dtype))

        row = dict(embed_dims=C, hw=(H, W), extra=E)
        life.impl = 'reference'
        n = max(5, 5 * args.steps)
        # timed with a record that keeps only the last launch: a growing record would hold
        # every launch's arguments and make the garbage collector run in the timed loop
        with life_launch.no_op_launches(collections.deque(maxlen=1)):
            for name, fn in calls.items():
                for _ in range(max(2, args.warmup)):
                    fwd_bwd(fn)
                best = float('inf')
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    for _ in range(n):
                        fwd_bwd(fn)
                    best = min(best, (time.perf_counter() - t0) / n)
                row[f'{name}_host_fwd_bwd_s'] = best
        with life_launch.no_op_launches() as launches:
            with torch.autocast(**autocast):
                out = calls['fast']()
            row['fast_fwd_launches'] = len(launches)
            out.backward(g.to(out.dtype))
            row['fast_bwd_launches'] = len(launches) - row['fast_fwd_launches']
        rows.append(row)
    life_launch.clear_caches()  # the plans were made for CPU tensors
    return rows


def _dict_action():
    from mmengine.config import DictAction
    return DictAction


def measure_e2e(args, device) -> List[Dict[str, object]]:
    """Images/s of the Runner's training loop for the plain and the LIFE config."""
    rows = []
    for path in args.e2e_configs:
        with tempfile.TemporaryDirectory() as work_dir:
            runner = build_e2e_runner(path, args, device, work_dir)
            hook = runner._e2e_timer  # noqa: SLF001  (set by build_e2e_runner)
            loader_img_s = time_loader(runner.train_dataloader, args.warmup, args.e2e_iters)
            runner.train()
            images = hook.images
            rows.append(dict(config=path, batch_size=hook.batch_size, iters=hook.iters,
                             seconds=hook.seconds, img_s=images / hook.seconds,
                             loader_img_s=loader_img_s,
                             data_wait_s=hook.data_seconds / max(hook.iters, 1),
                             cuda_syncs_per_iter=hook.syncs_per_iter,
                             compile=bool(args.e2e_compile),
                             cfg_options=dict(args.e2e_cfg_options or {})))
            if hook.profile is not None:
                rows[-1]['profile'] = hook.profile
                from .runner_profile import summary_text
                os.makedirs(osp.dirname(osp.abspath(args.e2e_profile)), exist_ok=True)
                with open(args.e2e_profile, 'a') as f:
                    f.write(summary_text(osp.basename(path), hook.profile) + '\n')
            # stop the persistent loader workers now, not whenever the runner is collected:
            # left running they would load the next config's loader measurement
            workers = getattr(runner.train_dataloader, '_iterator', None)
            if workers is not None:
                workers._shutdown_workers()  # noqa: SLF001
            del runner
        if device.type == 'cuda':
            torch.cuda.empty_cache()
    return rows


def time_loader(loader, warmup: int, iters: int) -> float:
    """Images/s of the training loader alone (its workers, collate and hand-over to this
    process; no model): ``iters`` batches after ``warmup``. Against the training loop's
    images/s it says whether the loader can feed the step at all."""
    it = iter(loader)
    for _ in range(warmup):
        next(it)
    images, t0 = 0, time.perf_counter()
    for _ in range(iters):
        batch = next(it)
        images += len(batch['inputs'])
    seconds = time.perf_counter() - t0
    del it  # (persistent workers stay for the training loop)
    return images / seconds


def build_e2e_runner(path, args, device, work_dir):
    """mmengine Runner of config ``path`` on synthetic data, training only, with a hook that
    times the iterations after the warm-up ones."""
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from . import synthetic_data  # noqa: F401  (registers SyntheticImageDataset)
    cfg = Config.fromfile(path)
    B = args.batch_size or (SMOKE['batch_size'] if args.smoke else 512)
    warmup = max(1, args.warmup)
    timed_end = warmup + args.e2e_iters  # the iteration after which timing stops
    sync_iters = args.e2e_sync_iters if device.type == 'cuda' else 0
    profile_iters = args.e2e_profile_iters if args.e2e_profile else 0
    iters = timed_end + sync_iters + profile_iters
    img_size = cfg.model.backbone.get('img_size', 32)
    if args.smoke:
        img_size = SMOKE['img_size']
        cfg.model.backbone.img_size = img_size
        cfg.model.backbone.arch = 'deit-tiny' if 'arch' not in cfg.model.backbone else \
            cfg.model.backbone.arch
        from mmlife.models import LIFEVisionTransformer
        arch = cfg.model.backbone.arch
        if isinstance(arch, str):
            cfg.model.backbone.arch = dict(LIFEVisionTransformer.arch_zoo[arch], num_layers=1)
    if args.life_impl is not None and cfg.model.backbone.get('use_life'):
        cfg.model.backbone.life_cfg = dict(cfg.model.backbone.get('life_cfg') or {},
                                           impl=args.life_impl)
    loader = cfg.train_dataloader
    pipeline = [t for t in loader.dataset.pipeline if t['type'] != 'LoadImageFromFile']
    for t in pipeline:
        if t['type'] == 'RandomCrop':
            t['crop_size'] = img_size
    num_classes = cfg.model.head.num_classes
    loader.dataset = dict(type='SyntheticImageDataset', num_samples=B * (iters + 1),
                          img_size=img_size, num_classes=num_classes, pipeline=pipeline)
    loader.batch_size = B
    if args.e2e_workers is not None:
        loader.num_workers = args.e2e_workers
    if loader.num_workers == 0:
        loader.persistent_workers = False
    imports = list(cfg.get('custom_imports', {}).get('imports', []))
    cfg.custom_imports = dict(imports=imports + ['mmlife.analysis.synthetic_data'],
                              allow_failed_imports=False)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=iters + 1)
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    cfg.auto_scale_lr = None
    cfg.env_cfg.cudnn_benchmark = device.type == 'cuda'
    dtype = amp_dtype(args.amp)
    if dtype is not None:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = {torch.bfloat16: 'bfloat16', torch.float16: 'float16'}[dtype]
        # bf16 has float32's range: no loss scaling, as in the eager mode's loop (a GradScaler
        # would add a host sync every step for its inf check)
        cfg.optim_wrapper.loss_scale = (dict(enabled=False) if dtype == torch.bfloat16
                                        else 'dynamic')
    if args.e2e_compile:
        cfg.compile = True if args.compile_backend == 'inductor' and args.compile_mode in (
            None, 'default') else dict(backend=args.compile_backend, mode=(
                None if args.compile_mode in (None, 'default') else args.compile_mode))
    cfg.device = device.type  # mmengine picks the device itself; kept for the record
    if args.e2e_cfg_options:
        cfg.merge_from_dict(args.e2e_cfg_options)

    class E2ETimer(Hook):
        """Times the training iterations after the first ``warmup`` ones; then, on CUDA,
        counts the device syncs of ``sync_iters`` more (CUDA's sync debug mode: a sync stops
        the host until the GPU has caught up); then, with ``--e2e-profile``, profiles
        ``profile_iters`` more with the Runner's phases annotated
        (:mod:`mmlife.analysis.runner_profile`)."""
        priority = 'LOWEST'

        def __init__(self):
            self.batch_size, self.iters, self.t0, self.seconds, self.images = B, 0, None, 0, 0
            self.data_seconds = 0.  # the loop's wait for batches (mmengine's data_time)
            self.profile = self._prof = self._phases = None
            self.syncs_per_iter = self._sync_counter = self._syncs = None

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            n = runner.iter + 1
            if n == warmup:
                sync(device)
                self.t0 = time.perf_counter()
            elif warmup < n <= timed_end:
                self.iters += 1
                self.data_seconds += runner.message_hub.get_scalar('train/data_time').current()
            if n == timed_end:
                self._stop_timing()
                if sync_iters:
                    self._count_syncs(True)
            if n == timed_end + sync_iters:
                if sync_iters:
                    self._count_syncs(False)
                if profile_iters:
                    self._start_profile(runner)

        def _count_syncs(self, start):
            """Start or stop counting the device syncs (:func:`count_cuda_syncs`)."""
            from .runner_profile import count_cuda_syncs
            if start:
                self._sync_counter = count_cuda_syncs()
                self._syncs = self._sync_counter.__enter__()
            elif self._sync_counter is not None:
                self._sync_counter.__exit__(None, None, None)
                self._sync_counter = None
                self.syncs_per_iter = self._syncs.count / sync_iters

        def _stop_timing(self):
            sync(device)
            self.seconds = time.perf_counter() - self.t0
            self.images = self.iters * self.batch_size

        def _start_profile(self, runner):
            from torch.profiler import ProfilerActivity, profile

            from .runner_profile import annotated_phases
            activities = [ProfilerActivity.CPU]
            if device.type == 'cuda':
                activities.append(ProfilerActivity.CUDA)
            self._prof = profile(activities=activities)
            self._prof.__enter__()
            self._phases = annotated_phases(runner)
            self._phases.__enter__()

        def after_train(self, runner):
            self._count_syncs(False)  # a run that ended early
            if self._prof is not None:
                from .runner_profile import phase_summary
                sync(device)
                self._phases.__exit__(None, None, None)
                self._prof.__exit__(None, None, None)
                self.profile = phase_summary(self._prof, profile_iters)

    hook = E2ETimer()
    cfg.custom_hooks = list(cfg.get('custom_hooks') or [])
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook)
    runner._e2e_timer = hook  # noqa: SLF001
    return runner


def environment(device: torch.device) -> Dict[str, object]:
    env = dict(python=platform.python_version(), torch=torch.__version__,
               device=str(device), command=' '.join([osp.basename(sys.executable)] + sys.argv))
    if device.type == 'cuda':
        env['gpu'] = torch.cuda.get_device_name(device)
    try:
        import triton
        env['triton'] = triton.__version__
    except ImportError:
        env['triton'] = None
    env['MMLIFE_LIFE_IMPL'] = os.environ.get('MMLIFE_LIFE_IMPL')
    # the fast path's tuning knobs in effect (set from MMLIFE_LIFE_* variables at import)
    from mmlife.models.layers import life_launch
    env['life_launch'] = {name: getattr(life_launch, name) for name in life_launch.SETTINGS}
    return env


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(v, spec='.2f'):
    return '-' if v is None else format(v, spec)


def _table(head, rows) -> None:
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '---|' * len(head))
    for r in rows:
        print('| ' + ' | '.join(r) + ' |')


def print_tables(report: Dict[str, object]) -> None:
    print(f"\nDevice: {report['env'].get('gpu', report['env']['device'])}, "
          f"torch {report['env']['torch']}, amp {report['amp']}, "
          f"LIFE impl {report['life_impl'] or 'default'}")
    gib = 1024**3
    if report['rows']:
        lines = []
        for r in report['rows']:
            p, l = r['plain'], r['life']
            mem = [None if m['peak_mem_bytes'] is None else m['peak_mem_bytes'] / gib
                   for m in (p, l)]
            lines.append([
                r['mode'], r['arch'], f"{r['img_size']}px/p{r['patch_size']}",
                str(r['batch_size']), fmt(p['train_img_s'], '.0f'), fmt(l['train_img_s'], '.0f'),
                fmt(r['train_ratio']), fmt(p['infer_img_s'], '.0f'), fmt(l['infer_img_s'], '.0f'),
                fmt(r['infer_ratio']), fmt(mem[0]), fmt(mem[1]), fmt(r['mem_ratio'])])
        _table(('mode', 'model', 'setting', 'batch', 'train img/s plain', 'train img/s LIFE',
                'train x', 'infer img/s plain', 'infer img/s LIFE', 'infer x', 'peak GiB plain',
                'peak GiB LIFE', 'mem x'), lines)
    alt_rows = [r for r in report['rows'] if 'life_alt' in r]
    if alt_rows:
        print(f"\nLIFE with the launch settings {alt_rows[0]['life_launch_alt']} (alt) against "
              'the current ones, the same runs:')
        _table(('mode', 'model', 'setting', 'train img/s LIFE', 'train img/s alt', 'train x',
                'train x alt', 'infer img/s LIFE', 'infer img/s alt', 'infer x', 'infer x alt'),
               [[r['mode'], r['arch'], f"{r['img_size']}px/p{r['patch_size']}",
                 fmt(r['life']['train_img_s'], '.0f'), fmt(r['life_alt']['train_img_s'], '.0f'),
                 fmt(r['train_ratio']), fmt(r['alt_train_ratio']),
                 fmt(r['life']['infer_img_s'], '.0f'), fmt(r['life_alt']['infer_img_s'], '.0f'),
                 fmt(r['infer_ratio']), fmt(r['alt_infer_ratio'])] for r in alt_rows])
    if report.get('micro'):
        print('\nLIFE-only, one layer vs the nn.Linear(C, 3C) it replaces (ms; device time at '
              'the row\'s batch, and host time of fwd+bwd on 2 images):')
        lines = []
        for m in report['micro']:
            t = m['times']
            get = lambda k, f: None if k not in t else t[k][f] * 1e3  # noqa: E731
            lines.append([
                m['mode'], m['row'], str(m['embed_dims']),
                f"{m['hw'][0]}x{m['hw'][1]}+{m['extra']}{' mask' if m['mask'] else ''}",
                str(m['batch_size'])] + [
                    fmt(get(k, f), '.3f') for f in ('fwd_s', 'fwd_bwd_s', 'host_fwd_bwd_s')
                    for k in ('linear', 'reference', 'fast', 'tokens')])
        _table(('mode', 'row', 'C', 'tokens', 'batch', 'Linear fwd', 'ref fwd', 'fast fwd',
                'tok fwd', 'Linear fwd+bwd', 'ref fwd+bwd', 'fast fwd+bwd', 'tok fwd+bwd',
                'host Linear', 'host ref', 'host fast', 'host tok'), lines)
    if report.get('host'):
        print('\nHost time of one fwd+bwd on one image (us; CPU tensors, fast path with its '
              'kernel launches prepared but not issued):')
        _table(('C', 'tokens', 'Linear', 'reference', 'fast', 'fast launches fwd / bwd'), [[
            str(h['embed_dims']), f"{h['hw'][0]}x{h['hw'][1]}+{h['extra']}",
            fmt(h['linear_host_fwd_bwd_s'] * 1e6, '.0f'),
            fmt(h['reference_host_fwd_bwd_s'] * 1e6, '.0f'),
            fmt(h['fast_host_fwd_bwd_s'] * 1e6, '.0f'),
            f"{h['fast_fwd_launches']} / {h['fast_bwd_launches']}"] for h in report['host']])
    if report.get('e2e'):
        print('\nRunner training loop (tools/train.py) on synthetic data:')
        e = report['e2e']
        _table(('config', 'batch', 'iters', 'compile', 'img/s', 'loader alone img/s',
                'data wait ms/iter', 'CUDA syncs/iter'), [[
            osp.basename(r['config']), str(r['batch_size']), str(r['iters']),
            str(r['compile']), fmt(r['img_s'], '.0f'), fmt(r.get('loader_img_s'), '.0f'),
            fmt(r['data_wait_s'] * 1e3, '.1f') if 'data_wait_s' in r else '-',
            fmt(r.get('cuda_syncs_per_iter'), '.1f')] for r in e])
        if len(e) == 2:
            print(f"LIFE / plain: x{fmt(ratio(e[1]['img_s'], e[0]['img_s']))}")


def main(argv=None) -> Dict[str, object]:
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda asked for, but torch.cuda.is_available() is False')
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    timer = Timer(device, args.steps, args.repeats)
    report = dict(env=environment(device), amp=args.amp, life_impl=args.life_impl,
                  modes=list(args.modes), warmup=args.warmup, steps=args.steps,
                  repeats=args.repeats, compile_mode=args.compile_mode,
                  compile_backend=args.compile_backend, rows=[], micro=[], host=[], e2e=[],
                  complete=False)

    def save():
        # after every row: a run cut short by a time limit keeps what it measured
        # (``complete`` stays False)
        if args.out:
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            with open(args.out + '.tmp', 'w') as f:
                json.dump(report, f, indent=1)
            os.replace(args.out + '.tmp', args.out)

    for mode in [m for m in MODES if m in args.modes]:
        if mode in ('eager', 'compiled'):
            run_rows(mode, args, device, timer, report, save)
        elif mode == 'host':
            report['host'] = measure_host(args)
        elif mode == 'e2e':
            report['e2e'] = measure_e2e(args, device)
        save()
    report['complete'] = True
    print_tables(report)
    save()
    if args.out:
        print(f'\nwrote {args.out}')
    return report


def run_rows(mode, args, device, timer, report, save=lambda: None) -> None:
    """The model rows and LIFE-only rows of the eager or the compiled mode."""
    compiled = mode == 'compiled'
    for arch in args.archs:
        for name in args.settings:
            setting = dict(SMOKE if args.smoke else SETTINGS[name])
            if args.batch_size:
                setting['batch_size'] = args.batch_size
            arms = measure_row(arch, setting, args, device, timer, compiled)
            plain, life = arms['plain'], arms['life']
            row = dict(mode=mode, arch=arch, setting=name, **setting, plain=plain, life=life,
                       train_ratio=ratio(life['train_img_s'], plain['train_img_s']),
                       infer_ratio=ratio(life['infer_img_s'], plain['infer_img_s']),
                       mem_ratio=ratio(life['peak_mem_bytes'], plain['peak_mem_bytes']))
            alt = arms.get('life_alt')
            if alt is not None:  # LIFE with --life-launch-alt, against the plain model
                row.update(life_alt=alt, life_launch_alt=args.life_launch_alt,
                           alt_train_ratio=ratio(alt['train_img_s'], plain['train_img_s']),
                           alt_infer_ratio=ratio(alt['infer_img_s'], plain['infer_img_s']))
            report['rows'].append(row)
            print(f"{mode} {arch} {name}: train x{fmt(row['train_ratio'])}, "
                  f"infer x{fmt(row['infer_ratio'])}, mem x{fmt(row['mem_ratio'])}"
                  + (f"; with {args.life_launch_alt}: train x{fmt(row['alt_train_ratio'])}, "
                     f"infer x{fmt(row['alt_infer_ratio'])}" if alt is not None else ''),
                  flush=True)
            save()
            if not args.no_micro:
                from mmlife.models import LIFEVisionTransformer
                C = LIFEVisionTransformer.arch_zoo[arch]['embed_dims']
                g = setting['img_size'] // setting['patch_size']
                report['micro'].append(dict(
                    mode=mode, row=f'{arch} {name}', embed_dims=C, hw=(g, g), extra=1,
                    mask=False, batch_size=setting['batch_size'],
                    times=measure_life_only(C, (g, g), setting['batch_size'], args, device,
                                            timer, compiled=compiled)))
                save()
    if args.no_micro:
        return
    extras = MICRO_EXTRA_SMOKE if args.smoke else MICRO_EXTRA
    for name in args.micro_extra:
        m = extras[name]
        report['micro'].append(dict(
            mode=mode, row=name, **m,
            times=measure_life_only(m['embed_dims'], m['hw'], m['batch_size'], args, device,
                                    timer, extra=m['extra'], use_mask=m['mask'],
                                    compiled=compiled)))
