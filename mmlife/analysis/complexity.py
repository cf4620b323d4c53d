"""Parameters and multiply-accumulates (MACs) of any mmlife or OpenMMLab config.

One entry point for the three tasks: :func:`complexity` reads a config, builds its model from the
registry of the config's ``default_scope`` (``mmpretrain`` = classification, ``mmdet`` =
detection, ``mmseg`` = segmentation; random weights, no checkpoint is read) and counts one
``3 x H x W`` image through the model's tensor forward with mmengine's ``FlopAnalyzer``:

- classification: backbone, neck and head (the class scores);
- detection: the detector's ``_forward`` (backbone, neck, transformer encoder and decoder, head);
- segmentation: backbone and decode head, then the stock resize of the logits to the input size
  (``decode_head.predict_by_feat``), i.e. the logits a prediction is read from.

Counts are multiply-adds (fvcore's convention, which mmengine follows: one fused multiply-add = 1
"flop") of linear layers, convolutions (depthwise ones included, so LIFE's convs count) and
matrix products; layer norms (5 per element) and bilinear resizes (4 per output value) count as
mmengine's handles count them. mmengine has no handle for
``aten::scaled_dot_product_attention``, which every mmlife/mmpretrain attention calls, so
:func:`flop_analyzer` adds one: its two matrix products ``Q K^T`` and ``A V``. Softmax, scaling
and activations are not counted. Parameters are all ``nn.Parameter``s (buffers, such as the
Token Performer's fixed random features, are not).

``tools/analysis_tools/get_flops.py`` prints these as a table.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

SDPA = 'aten::scaled_dot_product_attention'

#: default_scope -> task
TASKS = {'mmpretrain': 'classification', 'mmdet': 'detection', 'mmseg': 'segmentation'}

#: the rows of the LIFE paper's Table 1: (name, config under configs/classification, base model)
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


def sdpa_macs(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of ``softmax(Q K^T) V`` for query ``(..., Nq, d)``, key ``(..., Nk, d)`` and value
    ``(..., Nk, dv)``: ``prod(...) * Nq * Nk * (d + dv)``."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    *batch, nq, d = q
    nk, dv = k[-2], v[-1]
    n = 1
    for b in batch:
        n *= b
    return n * nq * nk * (d + dv)


def flop_analyzer(model: nn.Module, inputs) -> FlopAnalyzer:
    """``FlopAnalyzer(model, inputs)`` counting SDPA, without per-op/per-module warnings.

    ``.total()`` gives MACs (mmengine counts one multiply-add as one "flop");
    ``.by_operator()['scaled_dot_product_attention']`` the attention part.
    """
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle(**{SDPA: sdpa_macs})
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer


def task_of(cfg: Config) -> str:
    """``'classification'``, ``'detection'`` or ``'segmentation'`` from ``default_scope``."""
    scope = cfg.get('default_scope', 'mmpretrain')
    if scope not in TASKS:
        raise ValueError(f"default_scope {scope!r} is not one of {sorted(TASKS)}: cannot tell "
                         'which library builds this model')
    return TASKS[scope]


def _load(config: Union[str, Config], cfg_options: Optional[dict]) -> Config:
    cfg = Config.fromfile(config) if isinstance(config, str) else config.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ValueError(f'{getattr(cfg, "filename", config)} has no model')
    return cfg


def build_model(config: Union[str, Config], cfg_options: Optional[dict] = None
                ) -> Tuple[Config, nn.Module]:
    """``(cfg, model)``: the config's model in eval mode, built by the registry of its
    ``default_scope``, randomly initialised (pretrained weights are not read)."""
    cfg = _load(config, cfg_options)
    task = task_of(cfg)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if task == 'classification':
        import mmlife.models  # noqa: F401  (the mmlife backbones, for configs without imports)
        from mmpretrain.registry import MODELS
    elif task == 'detection':
        from mmdet.registry import MODELS
    else:
        from mmseg.registry import MODELS
    if 'pretrained' in cfg.model:
        cfg.model.pretrained = None
    if task != 'classification' and 'backbone' in cfg.model:
        cfg.model.backbone.init_cfg = None  # a Pretrained init would read a checkpoint
    # building logs notes, and the jit trace behind FlopAnalyzer every unhandled op: keep quiet
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')
    try:
        model = MODELS.build(cfg.model)
    finally:
        logger.setLevel(level)
    return cfg, model.eval()


def input_shape(cfg: Config) -> Tuple[int, int]:
    """The config's native ``(H, W)``.

    Classification: the test crop (``CenterCrop``), else the train crop (``RandomCrop``,
    ``RandomResizedCrop``), else the backbone's ``img_size``, else 224. Detection: the fixed
    ``Resize`` scale of the test pipeline, else 512 x 512. Segmentation: ``crop_size``.
    """
    task = task_of(cfg)
    if task == 'classification':
        pipelines = (cfg.test_dataloader.dataset.pipeline, cfg.train_dataloader.dataset.pipeline)
        for pipeline, keys in zip(pipelines, ({'CenterCrop': 'crop_size'},
                                              {'RandomCrop': 'crop_size',
                                               'RandomResizedCrop': 'scale'})):
            for t in pipeline:
                if t['type'] in keys:
                    size = t[keys[t['type']]]
                    return (size, size) if isinstance(size, int) else tuple(size)
        size = cfg.model.backbone.get('img_size', 224)
        return (size, size) if isinstance(size, int) else tuple(size)
    if task == 'detection':
        test = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
        for t in test:
            if t['type'] == 'Resize' and not t.get('keep_ratio', False):
                w, h = (t['scale'], ) * 2 if isinstance(t['scale'], int) else t['scale']
                return h, w  # mmcv scales are (w, h)
        return 512, 512
    if 'crop_size' not in cfg:
        raise ValueError(f'{cfg.filename} has no crop_size: give the input shape')
    return tuple(cfg.crop_size)


class TensorForward(nn.Module):
    """The part of a model's inference that a complexity count covers, as ``forward(image)``.

    Classification and segmentation: ``model(x)`` (mode ``'tensor'``); segmentation then
    resizes the logits to the input size with the head's own ``predict_by_feat``. Detection:
    ``model._forward(x, samples)`` with one data sample of the input size.
    """

    def __init__(self, model: nn.Module, task: str, shape: Sequence[int]):
        super().__init__()
        self.model = model
        self.task = task
        h, w = shape
        self.metas = [dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w),
                           batch_input_shape=(h, w), scale_factor=(1., 1.))]
        self.samples = None
        if task == 'detection':
            from mmdet.structures import DetDataSample
            self.samples = [DetDataSample(metainfo=self.metas[0])]

    def forward(self, x: torch.Tensor):
        if self.task == 'detection':
            return self.model._forward(x, self.samples)
        out = self.model(x)
        if self.task == 'segmentation':
            out = self.model.decode_head.predict_by_feat(out, self.metas)
        return out


def complexity(config: Union[str, Config],
               shape: Optional[Sequence[int]] = None,
               cfg_options: Optional[dict] = None) -> Dict[str, Any]:
    """Parameters and MACs of the config's model on one ``3 x H x W`` image.

    Args:
        config (str | Config): a classification, detection or segmentation config.
        shape (tuple, optional): ``(H, W)``; defaults to :func:`input_shape`.
        cfg_options (dict, optional): overrides merged into the config first.

    Returns:
        dict: ``task``, ``shape``, ``params`` and ``macs`` (counts, not millions),
        ``attn_macs`` (the attention matrix products, included in ``macs``) and ``parts``:
        ``{child: dict(params=..., macs=...)}`` for every top-level child of the model
        (e.g. ``backbone``, ``neck``, ``head`` / ``encoder``, ``decoder``, ``bbox_head`` /
        ``decode_head``).
    """
    cfg, model = build_model(config, cfg_options)
    task = task_of(cfg)
    h, w = shape or input_shape(cfg)
    wrapper = TensorForward(model, task, (h, w))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')
    try:
        with torch.no_grad():
            analyzer = flop_analyzer(wrapper, (torch.zeros(1, 3, h, w), ))
            macs = analyzer.total()
            by_module = analyzer.by_module()
            attn = analyzer.by_operator().get('scaled_dot_product_attention', 0)
    finally:
        logger.setLevel(level)
    params = parameter_count(model)
    parts = {name: dict(params=params.get(name, 0), macs=by_module.get(f'model.{name}', 0))
             for name, _ in model.named_children()}
    return dict(config=getattr(cfg, 'filename', None), task=task, shape=(h, w),
                params=params[''], macs=macs, attn_macs=attn, parts=parts)


def table(rows: Sequence[Tuple[str, dict]], parts: bool = False) -> str:
    """A Markdown table of ``(name, result of complexity())`` rows: input, params (M), GMACs,
    the attention GMACs and, with ``parts``, params / GMACs of every part."""
    head = '| model | input | params (M) | GMACs | attention GMACs |'
    rule = '|---|---|---:|---:|---:|'
    if parts:
        head += ' parts: params (M) / GMACs |'
        rule += '---|'
    lines = [head, rule]
    for name, r in rows:
        line = (f"| {name} | {r['shape'][0]}x{r['shape'][1]} | {r['params'] / 1e6:.3f} | "
                f"{r['macs'] / 1e9:.2f} | {r['attn_macs'] / 1e9:.2f} |")
        if parts:
            line += ' ' + ', '.join(f"{k} {p['params'] / 1e6:.3f} / {p['macs'] / 1e9:.2f}"
                                    for k, p in r['parts'].items() if p['params'] or p['macs'])
            line += ' |'
        lines.append(line)
    return '\n'.join(lines)


def table1(config_root: str, shape: Optional[Sequence[int]] = None) -> str:
    """The LIFE paper's Table 1 models (configs under ``config_root``, i.e.
    ``configs/classification``) with the published values of the base architectures, and for
    the LIFE rows their change over the base model."""
    results = {name: complexity(osp.join(config_root, config), shape)
               for name, config, _ in TABLE1}
    lines = ['| Model | Input | Params (M) | GMACs | Reference params (M) | Reference GMACs '
             '| Config |', '|---|---|---:|---:|---:|---:|---|']
    for name, config, base in TABLE1:
        r = results[name]
        params, gmacs = r['params'] / 1e6, r['macs'] / 1e9
        if name in REFERENCES:
            ref_p, ref_m = (f'{v:g}' for v in REFERENCES[name][:2])
        else:
            b = results[base]
            ref_p = f"{base} {100 * (r['params'] / b['params'] - 1):+.1f} %"
            ref_m = f"{base} {100 * (r['macs'] / b['macs'] - 1):+.1f} %"
        lines.append(f"| {name} | {r['shape'][0]}x{r['shape'][1]} | {params:.2f} | "
                     f"{gmacs:.2f} | {ref_p} | {ref_m} | `{config}` |")
    lines.append('\nReference values (base architectures, as published):')
    lines += [f'- {name}: {ref[2]}' for name, ref in REFERENCES.items()]
    return '\n'.join(lines)
