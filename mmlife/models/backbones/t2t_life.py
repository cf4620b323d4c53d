"""T2T-ViT with LIFE, a correctly scaled attention, and a Tokens-to-Token module for small images.

Three things differ from mmpretrain 1.2.0's ``T2T_ViT``:

* **Attention scale.** mmpretrain's ``MultiheadAttention``, when given any ``qk_scale``, computes
  attention with ``scaled_dot_product_attention_pyimpl(scale=head_dims ** -0.5)``, which *divides*
  the logits by ``scale``: they are multiplied by ``sqrt(head_dims)`` instead of divided, and the
  ``qk_scale`` value itself is ignored. ``T2TTransformerLayer`` always passes a ``qk_scale``, so
  every attention of the stock T2T-ViT is affected. :func:`fix_qk_scale` repairs it.
* **Soft splits.** The stock T2T module unfolds with (kernel, stride, padding) = (7, 4, 2),
  (3, 2, 1), (3, 2, 1): a 32x32 image becomes a 2x2 token grid. ``soft_splits='small'`` is the
  LIFE paper's adaptation for 32/64 px inputs: (3, 2, 1), (3, 2, 1), (1, 1, 0), i.e. 8x8 tokens
  for 32 px and 16x16 for 64 px. Any three (kernel, stride, padding) triples can be given.
* **Performer.** T2T-ViT-7/10/12 use the Token Performer in the T2T module (mmpretrain raises
  ``NotImplementedError``); :class:`TokenPerformer` provides it.
"""
import math
from functools import partial
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.backbones import T2T_ViT
from mmpretrain.models.backbones.t2t_vit import (T2TModule, T2TTransformerLayer,
                                                 get_sinusoid_encoding)
from mmpretrain.models.utils import MultiheadAttention, to_2tuple
from mmpretrain.registry import MODELS

from .life_mixin import LIFEMixin

#: named soft-split presets: one (kernel, stride, padding) per unfold
SOFT_SPLITS = {
    # the stock T2T module: total stride 16 (224 px -> 14 x 14 tokens)
    'imagenet': ((7, 4, 2), (3, 2, 1), (3, 2, 1)),
    # the LIFE paper's adaptation for 32 / 64 px: total stride 4 (32 px -> 8 x 8 tokens)
    'small': ((3, 2, 1), (3, 2, 1), (1, 1, 0)),
}


def fix_qk_scale(attn: MultiheadAttention, scale: Optional[float] = None) -> None:
    """Make an mmpretrain ``MultiheadAttention`` multiply its logits by ``scale``.

    Args:
        attn (MultiheadAttention): the attention to repair (in place).
        scale (float, optional): the factor applied to ``q @ k^T``. Defaults to
            ``(input_dims // num_heads) ** -0.5``, the official T2T-ViT convention, which is
            ``head_dims ** -0.5`` whenever input and embedding widths match (all encoder blocks).
    """
    if scale is None:
        scale = (attn.input_dims // attn.num_heads)**-0.5
    attn.scale = scale
    attn.scaled_dot_product_attention = partial(F.scaled_dot_product_attention, scale=scale)


def _parse_soft_splits(soft_splits):
    if isinstance(soft_splits, str):
        if soft_splits not in SOFT_SPLITS:
            raise ValueError(f'Unknown soft_splits {soft_splits!r}; choose one of '
                             f'{sorted(SOFT_SPLITS)} or give three (kernel, stride, padding)')
        return SOFT_SPLITS[soft_splits]
    splits = tuple(tuple(s) for s in soft_splits)
    if len(splits) != 3 or any(
            len(s) != 3 or not all(isinstance(v, int) for v in s) or s[0] < 1 or s[1] < 1
            or s[2] < 0 for s in splits):
        raise ValueError('soft_splits must be three (kernel >= 1, stride >= 1, padding >= 0) '
                         f'int triples, got {soft_splits!r}')
    return splits


class TokenPerformer(BaseModule):
    """The Performer layer of T2T-ViT's Tokens-to-Token module (one head, linear cost).

    ``softmax(q k^T) v`` is approximated with positive random features
    ``phi(x) = exp(w x - |x|^2 / 2) / sqrt(m)`` (FAVOR+; ``phi(q) . phi(k)`` estimates
    ``exp(q . k)``). As in the official T2T-ViT, the ``m = kernel_ratio * embed_dims`` rows of
    ``w`` are orthogonal, scaled by ``sqrt(m)``, and fixed at construction (a buffer):

        y = v + proj(phi(Q) (phi(K)^T V) / (phi(Q) phi(K)^T 1)),    out = y + mlp(ln2(y))

    with ``K, Q, V = kqv(ln1(x))``. As in the official T2T-ViT there is no ``1 / sqrt(d)``
    temperature and the value is the shortcut (input and output widths differ).

    Args:
        input_dims (int): width of the incoming (unfolded) tokens.
        embed_dims (int): width of Q, K, V and of the output tokens.
        kernel_ratio (float): random features per channel. Defaults to 0.5.
        drop_rate (float): dropout after the projection and after the MLP. Defaults to 0.1.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 input_dims: int,
                 embed_dims: int,
                 kernel_ratio: float = 0.5,
                 drop_rate: float = 0.1,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        num_features = int(embed_dims * kernel_ratio)
        if num_features < 1:
            raise ValueError(f'kernel_ratio * embed_dims must be >= 1, got {kernel_ratio} * '
                             f'{embed_dims}')
        self.embed_dims = embed_dims
        self.ln1 = nn.LayerNorm(input_dims)
        self.kqv = nn.Linear(input_dims, 3 * embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.drop = nn.Dropout(drop_rate)
        self.ln2 = nn.LayerNorm(embed_dims)
        self.mlp = nn.Sequential(
            nn.Linear(embed_dims, embed_dims), nn.GELU(), nn.Linear(embed_dims, embed_dims),
            nn.Dropout(drop_rate))
        w = nn.init.orthogonal_(torch.empty(num_features, embed_dims))
        self.register_buffer('random_features', w * math.sqrt(num_features))

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """Positive random features ``phi(x)``, shape ``(..., m)``."""
        w = self.random_features
        return torch.exp(x @ w.t() - (x * x).sum(-1, keepdim=True) / 2) / math.sqrt(w.shape[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, q, v = self.kqv(self.ln1(x)).split(self.embed_dims, dim=-1)
        kp, qp = self.feature_map(k), self.feature_map(q)  # (B, N, m)
        numerator = qp @ (kp.transpose(1, 2) @ v)  # (B, N, C)
        denominator = qp @ kp.sum(dim=1).unsqueeze(-1)  # (B, N, 1)
        y = v + self.drop(self.proj(numerator / (denominator + 1e-8)))
        return y + self.mlp(self.ln2(y))


class AdaptiveT2TModule(T2TModule):
    """mmpretrain's ``T2TModule`` with configurable soft splits, the Performer, correct scaling.

    The forward pass is the stock one; only the layers it uses are built from the arguments.

    Args:
        img_size (int | tuple): the expected input size (sets ``init_out_size``).
        in_channels (int): image channels.
        embed_dims (int): width of the output tokens.
        token_dims (int): width of the tokens inside the T2T module. Defaults to 64.
        soft_splits (str | Sequence): ``'imagenet'`` (stock), ``'small'`` (32/64 px inputs) or
            three ``(kernel, stride, padding)`` triples. Defaults to ``'imagenet'``.
        use_performer (bool): :class:`TokenPerformer` layers (T2T-ViT-7/10/12) instead of
            transformer layers (T2T-ViT_t-14/19/24). Defaults to False.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 img_size: Union[int, Sequence[int]] = 224,
                 in_channels: int = 3,
                 embed_dims: int = 384,
                 token_dims: int = 64,
                 soft_splits: Union[str, Sequence] = 'imagenet',
                 use_performer: bool = False,
                 init_cfg: Optional[dict] = None):
        # the stock layers are built for 224 px and then replaced by the ones configured here
        super().__init__(
            img_size=224, in_channels=in_channels, embed_dims=embed_dims, token_dims=token_dims,
            use_performer=False, init_cfg=init_cfg)
        splits = _parse_soft_splits(soft_splits)
        self.soft_splits = splits
        for i, (k, s, p) in enumerate(splits):
            setattr(self, f'soft_split{i}', nn.Unfold(kernel_size=k, stride=s, padding=p))
        dims = [in_channels * splits[0][0]**2, token_dims * splits[1][0]**2]
        for i, input_dims in enumerate(dims, start=1):
            if use_performer:
                layer = TokenPerformer(input_dims, token_dims)
            else:
                layer = T2TTransformerLayer(
                    input_dims=input_dims, embed_dims=token_dims, num_heads=1,
                    feedforward_channels=token_dims)
                fix_qk_scale(layer.attn)
            setattr(self, f'attention{i}', layer)
        self.project = nn.Linear(token_dims * splits[2][0]**2, embed_dims)

        hw = to_2tuple(img_size)
        for i in range(3):
            hw = self._get_unfold_size(getattr(self, f'soft_split{i}'), hw)
        if min(hw) < 1:
            raise ValueError(f'img_size={img_size} is too small for soft_splits={splits}')
        self.init_out_size = list(hw)
        self.num_patches = hw[0] * hw[1]


@MODELS.register_module()
class LIFET2TViT(LIFEMixin, T2T_ViT):
    """T2T-ViT with LIFE making Q, K, V in every encoder block, and correct attention scaling.

    Everything else is mmpretrain's ``T2T_ViT`` (sinusoid position embedding, encoder, outputs),
    so its checkpoints load into ``use_life=False`` models with the same ``t2t_cfg``. LIFE is not
    used inside the T2T module: its attentions change the token width (``input_dims !=
    embed_dims``) and use the value as the shortcut. T2T-ViT-12 is ``embed_dims=256,
    num_layers=12, layer_cfgs=dict(num_heads=4, feedforward_channels=512),
    t2t_cfg=dict(use_performer=True)``; its LIFE variant uses 252 dims (three scales of 84).

    Args:
        img_size (int | tuple): the expected input size. Defaults to 224.
        in_channels (int): image channels. Defaults to 3.
        embed_dims (int): token width. Defaults to 384.
        t2t_cfg (dict): arguments of :class:`AdaptiveT2TModule` (``token_dims``,
            ``soft_splits``, ``use_performer``).
        use_life (bool): replace each encoder block's QKV Linear by LIFE. Defaults to True.
        life_cfg (dict, optional): extra arguments of :class:`mmlife.models.LIFE`. ``bias``
            follows ``qkv_bias`` (False in T2T-ViT) unless given.
        **kwargs: the other arguments of ``mmpretrain.models.T2T_ViT`` (``num_layers``,
            ``layer_cfgs``, ``drop_path_rate``, ``out_type``, ...). A ``qk_scale`` in
            ``layer_cfgs`` is honoured (and applied correctly).
    """

    def __init__(self,
                 img_size: Union[int, Sequence[int]] = 224,
                 in_channels: int = 3,
                 embed_dims: int = 384,
                 *,
                 t2t_cfg: Optional[dict] = None,
                 use_life: bool = True,
                 life_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(img_size=img_size, in_channels=in_channels, embed_dims=embed_dims,
                         **kwargs)
        self.tokens_to_token = AdaptiveT2TModule(
            img_size=img_size, in_channels=in_channels, embed_dims=embed_dims,
            **(t2t_cfg or {}))
        self.patch_resolution = self.tokens_to_token.init_out_size
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.pos_embed = get_sinusoid_encoding(num_patches + self.num_extra_tokens, embed_dims)

        layer_cfgs = kwargs.get('layer_cfgs', {})
        for i, layer in enumerate(self.encoder):
            cfg = layer_cfgs[i] if isinstance(layer_cfgs, Sequence) else layer_cfgs
            fix_qk_scale(layer.attn, cfg.get('qk_scale'))
        self.python_float_drop_paths()

        self.use_life = use_life
        if use_life:
            self.install_life([layer.attn for layer in self.encoder], self.tokens_to_token,
                              self.num_extra_tokens, life_cfg)
