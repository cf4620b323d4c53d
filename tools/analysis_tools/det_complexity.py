"""Parameters and GMACs of detection models (mmengine's FlopAnalyzer), one row per config.

    python tools/analysis_tools/det_complexity.py CONFIG [CONFIG ...] [--shape H W]

The detector's tensor forward (backbone, neck, transformer encoder and decoder, head) runs on one
``3 x H x W`` image, 512 x 512 by default (the paper's input). Counts are multiply-adds (fvcore's
convention, which mmengine follows: one fused multiply-add = 1 "flop").

mmengine has no handle for ``aten::scaled_dot_product_attention`` (used by mmpretrain's and
mmlife's attention), so ``get_model_complexity_info`` would leave the two attention matmuls
out. This script counts them (``QK^T`` and ``AV``: ``B * heads * Nq * Nk * (d_qk + d_v)``
MACs). Softmax, scaling, normalisation and activations are not counted, as for every other op.
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.analysis import parameter_count
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlife.utils.complexity import flop_analyzer

PARTS = ('backbone', 'neck', 'encoder', 'decoder', 'bbox_head')


class _TensorForward(nn.Module):
    """Calls the detector's ``_forward`` (mode 'tensor') with fixed data samples."""

    def __init__(self, detector: nn.Module, h: int, w: int):
        super().__init__()
        from mmdet.structures import DetDataSample
        self.detector = detector
        self.samples = [DetDataSample(metainfo=dict(
            img_shape=(h, w), batch_input_shape=(h, w), ori_shape=(h, w),
            scale_factor=(1., 1.)))]

    def forward(self, x):
        return self.detector._forward(x, self.samples)


def build_detector(config: str, cfg_options: Optional[dict] = None):
    """The config's detector in eval mode, randomly initialised (no checkpoint is read)."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    from mmdet.registry import MODELS
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model).eval()


def complexity(config: str, shape: Sequence[int] = (512, 512),
               cfg_options: Optional[dict] = None) -> dict:
    """Params and MACs of the config's detector on one ``3 x H x W`` image, in total and per
    part (``backbone``, ``neck``, ``encoder``, ``decoder``, ``bbox_head``); ``attn_macs`` are
    the attention matmuls, included in ``macs``."""
    model = build_detector(config, cfg_options)
    h, w = shape
    wrapper = _TensorForward(model, h, w)
    with torch.no_grad():
        flops = flop_analyzer(wrapper, (torch.zeros(1, 3, h, w), ))
        by_module = flops.by_module()
        result = dict(config=config, shape=(h, w), macs=flops.total(),
                      attn_macs=flops.by_operator().get('scaled_dot_product_attention', 0),
                      params=parameter_count(model)[''])
    params = parameter_count(model)
    for part in PARTS:
        result[f'{part}_params'] = params.get(part, 0)
        result[f'{part}_macs'] = by_module.get(f'detector.{part}', 0)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='detection config files')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 512), metavar=('H', 'W'),
                        help='input size (default: 512 512)')
    args = parser.parse_args()
    print('| config | params (M) | backbone | encoder | decoder | GMACs | backbone | encoder '
          '| decoder | of which attention QK^T, AV |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for config in args.configs:
        r = complexity(config, args.shape)
        print(f"| {osp.basename(config)} | {r['params'] / 1e6:.3f} | "
              f"{r['backbone_params'] / 1e6:.3f} | {r['encoder_params'] / 1e6:.3f} | "
              f"{r['decoder_params'] / 1e6:.3f} | {r['macs'] / 1e9:.2f} | "
              f"{r['backbone_macs'] / 1e9:.2f} | {r['encoder_macs'] / 1e9:.2f} | "
              f"{r['decoder_macs'] / 1e9:.2f} | {r['attn_macs'] / 1e9:.2f} |")


if __name__ == '__main__':
    main()
