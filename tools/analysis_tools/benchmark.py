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
                     num_classes: int, life_impl: Optional[str]) -> nn.Module:
    """mmpretrain ImageClassifier: (LIFE)VisionTransformer + VisionTransformerClsHead."""
    import mmlife.models  # noqa: F401  (registers LIFEVisionTransformer)
    from mmlife.models import LIFEVisionTransformer
    from mmpretrain.registry import MODELS
    if arch not in LIFEVisionTransformer.arch_zoo:
        raise ValueError(f'unknown arch {arch!r}; choose from '
                         f'{sorted(LIFEVisionTransformer.arch_zoo)}')
    embed_dims = LIFEVisionTransformer.arch_zoo[arch]['embed_dims']
    backbone = dict(type='LIFEVisionTransformer', arch=arch, img_size=img_size,
                    patch_size=patch_size, drop_path_rate=0.1, use_life=use_life)
    if use_life and life_impl is not None:
        backbone['life_cfg'] = dict(impl=life_impl)
    return MODELS.build(dict(
        _scope_='mmpretrain',  # whatever default scope the caller has set
        type='ImageClassifier', backbone=backbone, neck=None,
        head=dict(type='VisionTransformerClsHead', num_classes=num_classes,
                  in_channels=embed_dims, loss=dict(type='CrossEntropyLoss'))))


class ModelRunner:
    """One classifier with its optimizer and its training/inference step on fixed data."""

    def __init__(self, arch, setting, use_life, args, device, images, labels):
        torch.manual_seed(0)
        self.model = build_classifier(arch, setting['img_size'], setting['patch_size'], use_life,
                                      args.num_classes, args.life_impl).to(device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-4, weight_decay=0.05)
        self.images, self.labels = images, labels
        self.dtype = amp_dtype(args.amp)
        self.device = device
        self.params = sum(p.numel() for p in self.model.parameters())

    def logits(self):
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                            enabled=self.dtype is not None):
            return self.model.head(self.model.extract_feat(self.images))

    def train_step(self):
        loss = F.cross_entropy(self.logits().float(), self.labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def infer_step(self):
        with torch.inference_mode():
            self.logits()


def measure_row(arch, setting, args, device, timer) -> Dict[str, Dict[str, object]]:
    """Plain and LIFE model of one row: memory one after the other, then timings interleaved
    (plain, LIFE, plain, LIFE, ...) so that drifts of the machine hit both alike."""
    B = setting['batch_size']
    images = torch.randn(B, 3, setting['img_size'], setting['img_size'], device=device)
    labels = torch.randint(0, args.num_classes, (B, ), device=device)
    runners, results = {}, {}
    for name, use_life in (('plain', False), ('life', True)):
        sync(device)
        base = torch.cuda.memory_allocated(device) if device.type == 'cuda' else 0
        runner = runners[name] = ModelRunner(arch, setting, use_life, args, device, images,
                                             labels)
        runner.model.train()
        for _ in range(args.warmup):
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
                          f"{arch} {setting['img_size']}px {name}, batch {B}, 3 training steps")
    for runner in runners.values():
        runner.model.eval()
        for _ in range(args.warmup):
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
    small = torch.randn(2, N, embed_dims, device=device, requires_grad=True)
    small_grad = torch.randn(2, N, 3 * embed_dims, device=device)
    candidates = ['linear', 'reference']
    if fast_path_unavailable(x) is None:
        candidates.append('fast')
    autocast = dict(device_type=device.type, dtype=dtype or torch.float32,
                    enabled=dtype is not None)

    def call(name, inp):
        if name == 'linear':
            return linear(inp)
        life.impl = name
        return life(inp, (H, W), 1)

    def fwd(name, inp=x):
        with torch.no_grad(), torch.autocast(**autocast):
            call(name, inp)

    def fwd_bwd(name, inp=x, g=grad):
        with torch.autocast(**autocast):
            out = call(name, inp)
        out.backward(g.to(out.dtype))

    result = {name: dict(fwd_all_s=[], fwd_bwd_all_s=[]) for name in candidates}
    for name in candidates:
        for _ in range(args.warmup):
            fwd_bwd(name)
            fwd_bwd(name, small, small_grad)
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
            fwd_bwd(name, small, small_grad)
        r['host_fwd_bwd_s'] = (time.perf_counter() - t0) / max(5, 5 * args.steps)
        sync(device)
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
        print('\nLIFE-only, one layer vs the nn.Linear(C, 3C) it replaces (ms; device time at '
              'the row\'s batch, and host time of fwd+bwd on 2 images):')
        head = ('C', 'tokens', 'batch', 'Linear fwd', 'ref fwd', 'fast fwd', 'Linear fwd+bwd',
                'ref fwd+bwd', 'fast fwd+bwd', 'host Linear', 'host ref', 'host fast')
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---|' * len(head))
        for m in report['micro']:
            t = m['times']
            get = lambda k, f: None if k not in t else t[k][f] * 1e3  # noqa: E731
            print('| ' + ' | '.join([
                str(m['embed_dims']), f"{m['hw'][0]}x{m['hw'][1]}+1", str(m['batch_size']),
                fmt(get('linear', 'fwd_s'), '.3f'), fmt(get('reference', 'fwd_s'), '.3f'),
                fmt(get('fast', 'fwd_s'), '.3f'), fmt(get('linear', 'fwd_bwd_s'), '.3f'),
                fmt(get('reference', 'fwd_bwd_s'), '.3f'), fmt(get('fast', 'fwd_bwd_s'), '.3f'),
                fmt(get('linear', 'host_fwd_bwd_s'), '.3f'),
                fmt(get('reference', 'host_fwd_bwd_s'), '.3f'),
                fmt(get('fast', 'host_fwd_bwd_s'), '.3f')]) + ' |')


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
            both = measure_row(arch, setting, args, device, timer)
            plain, life = both['plain'], both['life']
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
