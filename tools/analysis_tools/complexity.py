"""Parameters and GMACs of classification models (mmengine's FlopAnalyzer), one row per config.

    python tools/analysis_tools/complexity.py                # the Table 1 models (ImageNet-1k)
    python tools/analysis_tools/complexity.py CONFIG [CONFIG ...] [--shape H W]

Each model (backbone, neck, head) runs on one ``3 x H x W`` image; ``H x W`` is the config's
native size (its test or train crop: 224 for the ImageNet configs of DeiT, T2T-ViT and ResNet,
256 for SwinV2, 32 for CIFAR, 64 for Tiny-ImageNet), or ``--shape``. Counts are
multiply-adds (fvcore's convention, which mmengine follows: one fused multiply-add = 1 "flop"),
of linear layers, convolutions (depthwise ones included, so LIFE's convs count) and matrix
products. mmengine has no handle for ``aten::scaled_dot_product_attention``; this tool counts
its two matrix products (``Q K^T`` and ``A V``). Softmax, normalisation, activations and other
element-wise operations are not counted. Parameters are all ``nn.Parameter``s (buffers, such as
the Token Performer's fixed random features, are not).

The ``reference`` columns hold the values published for the *base* architectures (sources in
``REFERENCES``), so that the counting convention can be checked; the LIFE rows show the
overhead over their base model instead.
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.analysis import parameter_count
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmlife.utils.complexity import flop_analyzer

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(REPO, 'configs', 'classification')

#: the rows of the paper's Table 1: (name, ImageNet-1k config, base model name)
TABLE1 = [
    ('DeiT-T', 'deit/deit-tiny_p16_8xb128_in1k.py', None),
    ('DeiT-T-LIFE', 'deit/deit-tiny-life_p16_8xb128_in1k.py', 'DeiT-T'),
    ('DeiT-S', 'deit/deit-small_p16_8xb128_in1k.py', None),
    ('DeiT-S-LIFE', 'deit/deit-small-life_p16_8xb128_in1k.py', 'DeiT-S'),
    ('T2T-ViT-12', 't2t_vit/t2t-vit-12_8xb128_in1k.py', None),
    ('T2T-ViT-12-LIFE', 't2t_vit/t2t-vit-12-life_8xb128_in1k.py', 'T2T-ViT-12'),
    ('SwinV2-T', 'swinv2/swinv2-tiny-w8_8xb128_in1k-256px.py', None),
    ('SwinV2-T-LIFE', 'swinv2/swinv2-tiny-w8-life_8xb128_in1k-256px.py', 'SwinV2-T'),
    ('ResNet-18', 'resnet/resnet18_8xb32_in1k.py', None),
    ('ResNet-50', 'resnet/resnet50_8xb32_in1k.py', None),
]

#: published (params in M, GMACs) of the base architectures, and where they come from
REFERENCES = {
    'DeiT-T': (5.72, 1.26, 'mmpretrain deit metafile (deit-tiny_4xb256_in1k)'),
    'DeiT-S': (22.05, 4.61, 'mmpretrain deit metafile (deit-small_4xb256_in1k)'),
    'T2T-ViT-12': (6.9, 1.8, 'T2T-ViT README (yitu-opensource/T2T-ViT)'),
    'SwinV2-T': (28.0, 5.9, 'Swin Transformer README (SwinV2-T, 256, window 8)'),
    'ResNet-18': (11.69, 1.82, 'mmpretrain resnet metafile (resnet18_8xb32_in1k)'),
    'ResNet-50': (25.56, 4.12, 'mmpretrain resnet metafile (resnet50_8xb32_in1k)'),
}


def input_size(cfg: Config) -> int:
    """The config's native input size: its test crop (``CenterCrop``), else its train crop
    (``RandomCrop``, ``RandomResizedCrop``), else its backbone's ``img_size``, else 224."""
    pipelines = (cfg.test_dataloader.dataset.pipeline, cfg.train_dataloader.dataset.pipeline)
    for pipeline, keys in zip(pipelines, ({'CenterCrop': 'crop_size'},
                                          {'RandomCrop': 'crop_size',
                                           'RandomResizedCrop': 'scale'})):
        for t in pipeline:
            if t['type'] in keys:
                return t[keys[t['type']]]
    return cfg.model.backbone.get('img_size', 224)


def complexity(config: str, shape: Optional[Sequence[int]] = None) -> dict:
    """``{'params': M, 'gmacs': G, 'shape': (H, W)}`` of the config's model (random weights)."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    import mmlife.models  # noqa: F401  (registers the mmlife backbones)
    from mmpretrain.registry import MODELS
    h, w = shape or (input_size(cfg), ) * 2
    # building logs notes and the jit trace behind FlopAnalyzer every unhandled op: keep quiet
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')
    try:
        model = MODELS.build(cfg.model)
        model.eval()
        with torch.no_grad():
            macs = flop_analyzer(model, torch.zeros(1, 3, h, w)).total()
    finally:
        logger.setLevel(level)
    return dict(params=parameter_count(model)[''] / 1e6, gmacs=macs / 1e9, shape=(h, w))


def table(rows) -> str:
    """A Markdown table of ``(name, config, result, base_name)`` rows; the reference columns
    only when some row has a reference or a base model."""
    results = {name: res for name, _, res, _ in rows}
    with_ref = any(name in REFERENCES or base in results for name, _, _, base in rows)
    head = '| Model | Input | Params (M) | GMACs |'
    rule = '|---|---|---:|---:|'
    if with_ref:
        head += ' Reference params (M) | Reference GMACs |'
        rule += '---:|---:|'
    lines = [head + ' Config |', rule + '---|']
    for name, config, res, base in rows:
        line = (f'| {name} | {res["shape"][0]}x{res["shape"][1]} | {res["params"]:.2f} | '
                f'{res["gmacs"]:.2f} |')
        if with_ref:
            if name in REFERENCES:
                ref_p, ref_m = (f'{v:g}' for v in REFERENCES[name][:2])
            elif base in results:
                b = results[base]
                ref_p = f'{base} {100 * (res["params"] / b["params"] - 1):+.1f} %'
                ref_m = f'{base} {100 * (res["gmacs"] / b["gmacs"] - 1):+.1f} %'
            else:
                ref_p = ref_m = '-'
            line += f' {ref_p} | {ref_m} |'
        lines.append(f'{line} `{config}` |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', help='configs (default: the Table 1 models)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input size (default: the config\'s test crop)')
    args = parser.parse_args()
    if args.configs:
        jobs = [(osp.basename(c)[:-3], c, None) for c in args.configs]
    else:
        jobs = [(name, osp.relpath(osp.join(CFG, c), REPO), base) for name, c, base in TABLE1]
    rows = [(name, config, complexity(config, args.shape), base) for name, config, base in jobs]
    print(table(rows))
    used = [name for name, *_ in rows if name in REFERENCES]
    if used:
        print('\nReference values (base architectures, as published):')
        for name in used:
            print(f'- {name}: {REFERENCES[name][2]}')


if __name__ == '__main__':
    main()
