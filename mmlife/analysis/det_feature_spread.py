"""Where does a DETR lose the image? Token spread through a DETR-family detector.

A DETR can only tell objects apart if the image reaches its object queries: the backbone map
must differ from position to position, the encoder must keep those differences in its output
(the decoder's *memory*), and the decoder's queries must differ from one another. When a
detector sits at the dataset's prior -- every image gets the same boxes and class scores --
one of these stages has flattened its input. :func:`det_feature_spread` runs a few images
through a detector (its checkpoint, or the config's own initialisation: random, or the
pre-trained backbone its ``init_cfg`` loads) and measures, at each stage, how much the tokens
differ:

- ``backbone``, ``neck``, ``encoder.<i>`` (the output of encoder layer ``i``) and ``memory``:
  :func:`token_spread` over the feature map's positions (padded positions left out);
- ``decoder.<i>``: the spread across the object queries of decoder layer ``i``'s output
  (:func:`mmlife.analysis.det_overfit.query_spread`).

``relative`` is the spread divided by the tokens' RMS: about 1 when tokens differ as much as
their values are large, 0 when every token is the same. A healthy pre-trained backbone map sits
near 1; a memory near 0 means the encoder passes (almost) no image content on.
"""
from typing import List, Optional

import torch

from .det_overfit import deterministic_pipeline, innermost_dataset, query_spread
from .det_step_profile import build_detector


def token_spread(tokens: torch.Tensor, padding_mask: Optional[torch.Tensor] = None) -> dict:
    """Spread of ``tokens`` (``B x N x C``) over the ``N`` positions: the standard deviation of
    each channel over the valid positions of an image (``padding_mask``, ``B x N``, True =
    padded: left out), averaged over channels and images (``spread``), and that divided by the
    RMS of the valid tokens (``relative``)."""
    if tokens.dim() != 3:
        raise ValueError(f'tokens must be B x N x C, got shape {tuple(tokens.shape)}')
    x = tokens.detach().float()
    valid = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
    if padding_mask is not None:
        if padding_mask.shape != x.shape[:2]:
            raise ValueError(f'padding_mask must be B x N = {tuple(x.shape[:2])}, got '
                             f'{tuple(padding_mask.shape)}')
        valid = ~padding_mask.bool()
    n = valid.sum(1, keepdim=True).float()  # B x 1
    if (n < 2).any():
        raise ValueError('every image needs at least 2 valid (unpadded) positions')
    w = valid.unsqueeze(-1).float()
    mean = (x * w).sum(1, keepdim=True) / n.unsqueeze(-1)
    var = ((x - mean).pow(2) * w).sum(1) / (n - 1)  # B x C, unbiased as torch.std
    spread = var.sqrt().mean()
    rms = ((x.pow(2) * w).sum() / (n.sum() * x.shape[-1])).sqrt().clamp_min(1e-12)
    return dict(spread=float(spread), relative=float(spread / rms))


def _map_tokens(feat: torch.Tensor) -> torch.Tensor:
    """``B x C x H x W`` -> ``B x HW x C``."""
    return feat.flatten(2).transpose(1, 2)


def feature_spread(model, inputs: torch.Tensor, data_samples: list) -> List[dict]:
    """One row ``dict(stage, spread, relative)`` per stage of a DETR-family ``model`` (mmdet's
    ``DetectionTransformer``: ``backbone`` (and ``neck``), ``pre_transformer``, ``forward_encoder``,
    ``pre_decoder``, ``forward_decoder``) for pre-processed ``inputs`` and their
    ``data_samples``, without gradients, in the model's current mode."""
    for name in ('backbone', 'pre_transformer', 'forward_encoder', 'pre_decoder',
                 'forward_decoder'):
        if not hasattr(model, name):
            raise TypeError(f'{type(model).__name__} is not a DETR-family detector (no '
                            f'{name})')
    rows, hooks = [], []
    mask = {}

    def record(stage):
        def hook(module, args, output):
            out = output[0] if isinstance(output, (tuple, list)) else output
            rows.append(dict(stage=stage, **token_spread(out, mask.get('padding'))))
        return hook

    for i, layer in enumerate(model.encoder.layers):
        hooks.append(layer.register_forward_hook(record(f'encoder.{i}')))
    try:
        with torch.no_grad():
            backbone = model.backbone(inputs)  # extract_feat, keeping the backbone's map
            feats = model.neck(backbone) if model.with_neck else backbone
            rows.append(dict(stage='backbone', **token_spread(_map_tokens(backbone[-1]))))
            enc_in, dec_in = model.pre_transformer(feats, data_samples)
            mask['padding'] = enc_in.get('feat_mask')
            rows.append(dict(stage='neck', **token_spread(enc_in['feat'], mask['padding'])))
            memory = model.forward_encoder(**enc_in)['memory']
            rows.append(dict(stage='memory', **token_spread(memory, mask['padding'])))
            tmp_dec_in, _ = model.pre_decoder(memory)
            dec_in.update(tmp_dec_in)
            hidden = model.forward_decoder(**dec_in)['hidden_states']
    finally:
        for h in hooks:
            h.remove()
    if hidden.dim() == 3:  # a decoder without intermediate outputs: one layer
        hidden = hidden.unsqueeze(0)
    rows += [dict(stage=f'decoder.{i}', **s) for i, s in enumerate(query_spread(hidden))]
    return rows


def det_feature_spread(config: str, checkpoint: Optional[str] = None, split: str = 'val',
                       num_images: int = 4, size: Optional[int] = None,
                       cfg_options: Optional[dict] = None, device: str = 'cpu',
                       seed: int = 0) -> dict:
    """:func:`feature_spread` of a detection config's model on the first ``num_images`` images
    of its ``split`` (``'train'``, ``'val'`` or ``'test'``: that dataloader's dataset, through
    its pipeline without random transforms), in eval mode.

    ``checkpoint``: weights to load (``None``: the config's initialisation, ``init_weights``,
    which reads a pre-trained backbone named in its ``init_cfg``). ``size``: square input size
    (every ``Resize`` of the pipeline and the backbone's ``img_size``; ``None``: the config's).
    ``seed`` seeds the initialisation (what a checkpoint does not overwrite). Returns
    ``dict(config, checkpoint, split, num_images, size, rows)``."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS
    from mmengine.runner import load_checkpoint, set_random_seed

    from mmlife.utils import check_cfg_options
    if split not in ('train', 'val', 'test'):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    if not (isinstance(num_images, int) and num_images >= 1):
        raise ValueError(f'num_images must be an int >= 1, got {num_images!r}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(check_cfg_options(cfg, cfg_options))
    ds_cfg = innermost_dataset(cfg, split)
    # the same images at every call (no random transforms), at ``size`` where given
    ds_cfg.pipeline, _ = deterministic_pipeline(ds_cfg.pipeline, size)
    if size is not None and 'img_size' in cfg.model.get('backbone', {}):
        cfg.model.backbone.img_size = size
    set_random_seed(seed)
    model = build_detector(cfg, device)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    model.eval()
    dataset = DATASETS.build(ds_cfg)
    if len(dataset) < num_images:
        raise ValueError(f'num_images is {num_images} but the {split} set has {len(dataset)}')
    data = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(num_images)]),
                                   False)
    rows = feature_spread(model, data['inputs'], data['data_samples'])
    return dict(config=config, checkpoint=checkpoint, split=split, num_images=num_images,
                size=size, rows=rows)


def format_table(report: dict) -> str:
    """The rows of :func:`det_feature_spread` as a Markdown table."""
    lines = ['| stage | spread | relative |', '| --- | --- | --- |']
    lines += [f"| {r['stage']} | {r['spread']:.4g} | {r['relative']:.3f} |"
              for r in report['rows']]
    return '\n'.join(lines)
