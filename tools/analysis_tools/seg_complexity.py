"""Parameters and GMACs of segmentation models (mmengine's FlopAnalyzer), one row per config.

    python tools/analysis_tools/seg_complexity.py CONFIG [CONFIG ...] [--shape H W]

The model's tensor forward (backbone + decode head, logits at input resolution) runs on one
``3 x H x W`` image; ``H x W`` defaults to each config's ``crop_size``. Counts are multiply-adds
(fvcore's convention, which mmengine follows: one fused multiply-add = 1 "flop").

mmengine has no handle for ``aten::scaled_dot_product_attention``, which mmpretrain's attention
calls on torch >= 2.0, so ``get_model_complexity_info`` leaves the two attention matmuls out.
This script adds a handle for them (``QK^T`` and ``AV``: ``B * heads * Nq * Nk * (d_qk + d_v)``
MACs) and prints them in their own column.
"""
import argparse
from typing import Optional, Sequence

import torch
from mmengine.analysis import parameter_count
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlife.utils.complexity import flop_analyzer



def build_model(config: str, cfg_options: Optional[dict] = None):
    """The config's segmentor, in eval mode, without loading any checkpoint."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import MODELS
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    return cfg, MODELS.build(cfg.model).eval()


def complexity(config: str, shape: Optional[Sequence[int]] = None,
               cfg_options: Optional[dict] = None) -> dict:
    """``dict(params, macs, attn_macs, shape)`` of the config's model on one ``3 x H x W`` image."""
    cfg, model = build_model(config, cfg_options)
    if shape is None:
        if 'crop_size' not in cfg:
            raise ValueError(f'{config} has no crop_size; pass --shape H W')
        shape = cfg.crop_size
    h, w = shape
    x = torch.zeros(1, 3, h, w)
    with torch.no_grad():
        total = flop_analyzer(model, (x, ))
        macs = total.total()
        attn = total.by_operator().get('scaled_dot_product_attention', 0)
    return dict(params=parameter_count(model)[''], macs=macs, attn_macs=attn, shape=(h, w))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='segmentation config files')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input size (defaults to the config\'s crop_size)')
    args = parser.parse_args()
    print(f'| config | input | params (M) | GMACs | of which attention QK^T, AV |')
    print('| --- | --- | --- | --- | --- |')
    for config in args.configs:
        r = complexity(config, args.shape)
        print(f"| {config.split('/')[-1]} | {r['shape'][0]}x{r['shape'][1]} | "
              f"{r['params'] / 1e6:.3f} | {r['macs'] / 1e9:.2f} | {r['attn_macs'] / 1e9:.2f} |")


if __name__ == '__main__':
    main()
