"""The embedded demo (`make demo`): DeiT-T vs DeiT-T-LIFE on real digit scans, on the CPU.

1. Converts scikit-learn's bundled digits (1,797 real 8x8 scans, 10 classes; nothing is downloaded)
   to 32x32 RGB images in the CIFAR folder layout under ``data/digits``.
2. Trains DeiT-T and DeiT-T-LIFE with the same short schedule through ``tools/train.py``
   (progress and ETA in the logs), leaving logs and checkpoints in ``work_dirs/demo/<model>``.
3. Evaluates both checkpoints on the test split and prints a table: model, params, MACs, top-1.

    python tools/demo.py [--epochs N] [--retrain]

Any ``--epochs N >= 1`` works: the config's warm-up is shortened to fit (``fit_warmup``), and the
config actually trained is written next to the logs (``work_dirs/demo/<model>/<model>_<N>e.py``).

A model whose final checkpoint already exists is not trained again unless ``--retrain`` is given.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

MODELS = [
    ('DeiT-T', 'configs/classification/demo/deit-tiny_p8_1xb32_digits-demo.py'),
    ('DeiT-T-LIFE', 'configs/classification/demo/deit-tiny-life_p8_1xb32_digits-demo.py'),
]
DATA = osp.join(REPO, 'data', 'digits')
WORK = osp.join(REPO, 'work_dirs', 'demo')


def prepare_data():
    from mmlife.datasets.converters.digits import convert_digits
    marker = osp.join(DATA, '.complete')
    if osp.isfile(marker):
        return
    print(f'[demo] writing the digits dataset to {DATA}', flush=True)
    counts = convert_digits(DATA)
    with open(marker, 'w') as f:
        json.dump(counts, f)
    print(f'[demo] {counts}', flush=True)


def train_config(config, epochs, path):
    """Write the demo config for ``epochs`` epochs to ``path``: schedule, validation and
    checkpoint follow the epoch count, and the warm-up fits inside it (``fit_warmup``)."""
    from mmengine.config import Config

    from mmlife.utils.schedule import fit_warmup
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler = fit_warmup(cfg.param_scheduler, epochs)
    cfg.default_hooks.checkpoint.interval = epochs
    cfg.dump(path)
    return path


def train(name, config, epochs, retrain):
    work_dir = osp.join(WORK, name)
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt) and not retrain:
        print(f'[demo] {name}: {ckpt} exists, skipping training (--retrain to redo)', flush=True)
        return ckpt, None
    print(f'[demo] training {name} ({config}) for {epochs} epochs', flush=True)
    os.makedirs(work_dir, exist_ok=True)
    cfg = train_config(config, epochs, osp.join(work_dir, f'{name}_{epochs}e.py'))
    start = time.time()
    # the demo's own folder: its earlier (other --epochs, --retrain, killed) runs give way
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir',
                    work_dir, '--overwrite'], cwd=REPO, check=True)
    return ckpt, time.time() - start


def evaluate(config, ckpt, work_dir):
    import torch
    from mmengine.analysis import parameter_count
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmlife.analysis.complexity import flop_analyzer

    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    cfg.load_from = ckpt
    cfg.test_dataloader.persistent_workers = False
    cfg.test_dataloader.num_workers = 0
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model
    model.eval()
    image = model.data_preprocessor({'inputs': [torch.zeros(3, 32, 32, dtype=torch.uint8)]})
    with torch.no_grad():
        macs = flop_analyzer(model, (image['inputs'], )).total()  # attention matmuls included
    return dict(top1=metrics['accuracy/top1'], params=parameter_count(model)[''], macs=macs)


def main():
    parser = argparse.ArgumentParser(description='mmlife embedded demo')
    parser.add_argument('--epochs', type=int, default=15, help='training epochs (>= 1)')
    parser.add_argument('--retrain', action='store_true')
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f'--epochs must be at least 1, got {args.epochs}')
    os.chdir(REPO)
    start = time.time()
    prepare_data()
    rows = []
    for name, config in MODELS:
        ckpt, seconds = train(name, config, args.epochs, args.retrain)
        result = evaluate(config, ckpt, osp.join(WORK, name))
        rows.append(dict(model=name, config=config, epochs=args.epochs, train_s=seconds, **result))
    with open(osp.join(WORK, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=2)

    print('\nmmlife demo: digits (1,437 train / 360 test real 8x8 scans at 32x32), '
          f'{args.epochs} epochs each, CPU\n')
    header = f"| {'model':<12} | {'params (M)':>10} | {'MACs (M)':>9} | {'top-1 (%)':>9} | " \
             f"{'train time':>10} |"
    print(header)
    print('|' + '|'.join('-' * (len(c) + 0) for c in header.split('|')[1:-1]) + '|')
    for r in rows:
        t = f"{r['train_s']:.0f} s" if r['train_s'] is not None else 'cached'
        print(f"| {r['model']:<12} | {r['params'] / 1e6:>10.3f} | {r['macs'] / 1e6:>9.1f} | "
              f"{r['top1']:>9.2f} | {t:>10} |")
    print(f'\n[demo] results in {osp.relpath(WORK, REPO)}/results.json; whole demo '
          f'{time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
