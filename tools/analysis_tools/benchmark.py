"""Speed and memory of DeiT with LIFE against plain-QKV DeiT, side by side in one run.

    python tools/analysis_tools/benchmark.py [--archs deit-tiny deit-small] [--settings 32 224]
        [--life-impl auto|reference|fast] [--out work_dirs/benchmark.json]
    python tools/analysis_tools/benchmark.py --device cpu --smoke   # a tiny CPU run (CI)

For every (arch, setting) row both models are built from the same registry entry
(``LIFEVisionTransformer`` with ``use_life`` False/True, plus mmpretrain's ViT head) and
measured one after the other on synthetic data:

* training throughput (images/s): forward + cross-entropy + backward + AdamW step, under bf16
  autocast on CUDA (``--amp``), attention through ``F.scaled_dot_product_attention``;
* inference throughput (images/s): forward under ``torch.inference_mode`` and the same autocast;
* peak memory of training (``torch.cuda.max_memory_allocated``, CUDA only), one model on the
  GPU at a time.

Each time is the median of ``--repeats`` timings of ``--steps`` steps each, after ``--warmup``
steps (CUDA events on the GPU). The LIFE-only microbenchmark times one LIFE module against the
``nn.Linear(C, 3C)`` it replaces on the same tokens (forward, and forward + backward), for the
reference and the fast implementation. A table of ratios (LIFE / plain) is printed and
everything is written as JSON.

Settings: ``32`` = 32x32 images, patch 4 (8x8 tokens), batch 512; ``224`` = 224x224, patch 16
(14x14 tokens), batch 256. ``--smoke`` shrinks everything (16x16 images, batch 2, 1 step) so
that the script can be checked on a CPU in seconds.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import sys
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--archs', nargs='+', default=['deit-tiny', 'deit-small'])
    parser.add_argument('--settings', nargs='+', default=['32', '224'], choices=list(SETTINGS))
    parser.add_argument('--batch-size', type=int, default=None,
                        help='override the batch size of every setting')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', default=None, choices=['bf16', 'fp16', 'none'],
                        help='autocast dtype (default: bf16 on CUDA, none on CPU)')
    parser.add_argument('--life-impl', default=None, choices=['auto', 'reference', 'fast'],
                        help='LIFE implementation (default: $MMLIFE_LIFE_IMPL, else auto)')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--steps', type=int, default=10, help='steps per timing')
    parser.add_argument('--repeats', type=int, default=5, help='timings per measurement')
    parser.add_argument('--no-micro', action='store_true', help='skip the LIFE-only benchmark')
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
        args.warmup, args.steps, args.repeats = 1, 1, 1
    for name in ('warmup', 'steps', 'repeats'):
        if getattr(args, name) < (0 if name == 'warmup' else 1):
            parser.error(f'--{name} must be positive, got {getattr(args, name)}')
    return args


def amp_dtype(name: str) -> Optional[torch.dtype]:
    return {'bf16': torch.bfloat16, 'fp16': torch.float16, 'none': None}[name]


class Timer:
    """Median seconds of ``steps`` calls of ``fn``, over ``repeats`` timings."""

    def __init__(self, device: torch.device, steps: int, repeats: int):
        self.device, self.steps, self.repeats = device, steps, repeats

    def __call__(self, fn: Callable[[], None]) -> Dict[str, object]:
        times = []
        for _ in range(self.repeats):
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
                     num_classes: int, life_impl: Optional[str]) -> nn.Module:
    """mmpretrain ImageClassifier: (LIFE)VisionTransformer + VisionTransformerClsHead."""
    import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer)
    from mmlife.models import LIFEVisionTransformer
    from mmpretrain.registry import MODELS
    if arch not in LIFEVisionTransformer.arch_zoo:
        raise ValueError(f'unknown arch {arch!r}; choose from {sorted(LIFEVisionTransformer.arch_zoo)}')
    embed_dims = LIFEVisionTransformer.arch_zoo[arch]['embed_dims']
    backbone = dict(type='LIFEVisionTransformer', arch=arch, img_size=img_size,
                    patch_size=patch_size, drop_path_rate=0.1, use_life=use_life)
    if use_life and life_impl is not None:
        backbone['life_cfg'] = dict(impl=life_impl)
    return MODELS.build(dict(
        type='ImageClassifier', backbone=backbone, neck=None,
        head=dict(type='VisionTransformerClsHead', num_classes=num_classes,
                  in_channels=embed_dims, loss=dict(type='CrossEntropyLoss'))))


def measure_model(arch, setting, use_life, args, device, timer) -> Dict[str, object]:
    """Training/inference throughput and training peak memory of one model."""
    torch.manual_seed(0)
    model = build_classifier(arch, setting['img_size'], setting['patch_size'], use_life,
                             args.num_classes, args.life_impl).to(device)
    B = setting['batch_size']
    images = torch.randn(B, 3, setting['img_size'], setting['img_size'], device=device)
    labels = torch.randint(0, args.num_classes, (B, ), device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.05)
    dtype = amp_dtype(args.amp)

    def logits():
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            return model.head(model.extract_feat(images))

    def train_step():
        loss = F.cross_entropy(logits().float(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def infer_step():
        with torch.inference_mode():
            logits()

    model.train()
    for _ in range(args.warmup):
        train_step()
    sync(device)
    peak = None
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
        train_step()
        train_step()
        sync(device)
        peak = torch.cuda.max_memory_allocated(device)
    train = timer(train_step)
    if args.profile:
        profile_steps(train_step, device, args.profile,
                      f"{arch} {setting['img_size']}px {'LIFE' if use_life else 'plain'}, "
                      f"batch {B}, 3 training steps")
    model.eval()
    for _ in range(args.warmup):
        infer_step()
    sync(device)
    infer = timer(infer_step)
    result = dict(
        train_img_s=B / train['median_s'], train_step_s=train['median_s'],
        train_all_s=train['all_s'], infer_img_s=B / infer['median_s'],
        infer_step_s=infer['median_s'], infer_all_s=infer['all_s'], peak_mem_bytes=peak,
        params=sum(p.numel() for p in model.parameters()))
    del model, optimizer, images, labels
    if device.type == 'cuda':
        torch.cuda.empty_cache()
    return result


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


def measure_life_only(embed_dims, tokens_hw, batch, args, device, timer) -> Dict[str, object]:
    """One LIFE (reference and fast) against nn.Linear(C, 3C) on the same tokens."""
    from mmlife.models import LIFE
    from mmlife.models.layers.life_fast import fast_path_unavailable
    H, W = tokens_hw
    N = 1 + H * W
    torch.manual_seed(0)
    x = torch.randn(batch, N, embed_dims, device=device, requires_grad=True)
    grad = torch.randn(batch, N, 3 * embed_dims, device=device)
    dtype = amp_dtype(args.amp)
    life = LIFE(embed_dims).to(device)
    linear = nn.Linear(embed_dims, 3 * embed_dims).to(device)
    candidates = {'linear': lambda: linear(x)}
    for impl in ('reference', 'fast'):
        if impl == 'fast' and fast_path_unavailable(x) is not None:
            continue
        candidates[impl] = lambda: life(x, (H, W), 1)  # life.impl is set before timing
    result = {}
    for name, fn in candidates.items():
        if name != 'linear':
            life.impl = name

        def fwd(fn=fn):
            with torch.no_grad(), torch.autocast(device.type, dtype=dtype or torch.float32,
                                                 enabled=dtype is not None):
                fn()

        def fwd_bwd(fn=fn):
            with torch.autocast(device.type, dtype=dtype or torch.float32,
                                enabled=dtype is not None):
                out = fn()
            out.backward(grad.to(out.dtype))

        for _ in range(args.warmup):
            fwd_bwd()
        sync(device)
        result[name] = dict(fwd_s=timer(fwd)['median_s'], fwd_bwd_s=timer(fwd_bwd)['median_s'])
    return result


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
    return env


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(v, spec='.2f'):
    return '-' if v is None else format(v, spec)


def print_tables(report: Dict[str, object]) -> None:
    rows = report['rows']
    print(f"\nDevice: {report['env'].get('gpu', report['env']['device'])}, "
          f"torch {report['env']['torch']}, amp {report['amp']}, "
          f"LIFE impl {report['life_impl'] or 'default'}")
    head = ('model', 'setting', 'batch', 'train img/s plain', 'train img/s LIFE', 'train x',
            'infer img/s plain', 'infer img/s LIFE', 'infer x', 'peak GiB plain',
            'peak GiB LIFE', 'mem x')
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '---|' * len(head))
    gib = 1024**3
    for r in rows:
        p, l = r['plain'], r['life']
        mem = [None if m['peak_mem_bytes'] is None else m['peak_mem_bytes'] / gib for m in (p, l)]
        print('| ' + ' | '.join([
            r['arch'], f"{r['img_size']}px/p{r['patch_size']}", str(r['batch_size']),
            fmt(p['train_img_s'], '.0f'), fmt(l['train_img_s'], '.0f'), fmt(r['train_ratio']),
            fmt(p['infer_img_s'], '.0f'), fmt(l['infer_img_s'], '.0f'), fmt(r['infer_ratio']),
            fmt(mem[0]), fmt(mem[1]), fmt(r['mem_ratio'])]) + ' |')
    if report.get('micro'):
        print('\nLIFE-only (one layer, ms; ratio = nn.Linear time / LIFE time):')
        head = ('C', 'tokens', 'batch', 'Linear fwd', 'ref fwd', 'fast fwd', 'Linear fwd+bwd',
                'ref fwd+bwd', 'fast fwd+bwd', 'fast fwd x', 'fast fwd+bwd x')
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---|' * len(head))
        for m in report['micro']:
            t = m['times']
            get = lambda k, f: None if k not in t else t[k][f] * 1e3  # noqa: E731
            fast = t.get('fast')
            print('| ' + ' | '.join([
                str(m['embed_dims']), f"{m['hw'][0]}x{m['hw'][1]}+1", str(m['batch_size']),
                fmt(get('linear', 'fwd_s'), '.3f'), fmt(get('reference', 'fwd_s'), '.3f'),
                fmt(get('fast', 'fwd_s'), '.3f'), fmt(get('linear', 'fwd_bwd_s'), '.3f'),
                fmt(get('reference', 'fwd_bwd_s'), '.3f'), fmt(get('fast', 'fwd_bwd_s'), '.3f'),
                fmt(ratio(t['linear']['fwd_s'], fast['fwd_s']) if fast else None),
                fmt(ratio(t['linear']['fwd_bwd_s'], fast['fwd_bwd_s']) if fast else None)])
                  + ' |')


def main(argv=None) -> Dict[str, object]:
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda asked for, but torch.cuda.is_available() is False')
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    timer = Timer(device, args.steps, args.repeats)
    report = dict(env=environment(device), amp=args.amp, life_impl=args.life_impl,
                  warmup=args.warmup, steps=args.steps, repeats=args.repeats, rows=[], micro=[])
    for arch in args.archs:
        for name in args.settings:
            setting = dict(SMOKE if args.smoke else SETTINGS[name])
            if args.batch_size:
                setting['batch_size'] = args.batch_size
            plain = measure_model(arch, setting, False, args, device, timer)
            life = measure_model(arch, setting, True, args, device, timer)
            row = dict(arch=arch, setting=name, **setting, plain=plain, life=life,
                       train_ratio=ratio(life['train_img_s'], plain['train_img_s']),
                       infer_ratio=ratio(life['infer_img_s'], plain['infer_img_s']),
                       mem_ratio=ratio(life['peak_mem_bytes'], plain['peak_mem_bytes']))
            report['rows'].append(row)
            print(f"{arch} {name}: train x{fmt(row['train_ratio'])}, "
                  f"infer x{fmt(row['infer_ratio'])}, mem x{fmt(row['mem_ratio'])}", flush=True)
            if not args.no_micro:
                from mmlife.models import LIFEVisionTransformer
                C = LIFEVisionTransformer.arch_zoo[arch]['embed_dims']
                g = setting['img_size'] // setting['patch_size']
                report['micro'].append(dict(
                    arch=arch, setting=name, embed_dims=C, hw=(g, g),
                    batch_size=setting['batch_size'],
                    times=measure_life_only(C, (g, g), setting['batch_size'], args, device,
                                            timer)))
    print_tables(report)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)
        print(f'\nwrote {args.out}')
    return report


if __name__ == '__main__':
    main()
