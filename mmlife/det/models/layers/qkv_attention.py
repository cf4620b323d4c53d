"""Multi-head attention whose input projection is selectable: none, a Linear, or LIFE.

Stock mmcv ``MultiheadAttention`` wraps ``nn.MultiheadAttention``, whose input projection cannot
be switched off, so the three DETR variants of the LIFE paper (Table 2) need their own module:

- ``qkv_proj='none'`` (**EncDec**): Q, K and V are the features themselves, no input projection.
- ``qkv_proj='linear'`` (**EncDec-Linear**): one ``Linear(C, 3C)`` makes [Q | K | V].
- ``qkv_proj='life'`` (**EncDec-LIFE**): :class:`mmlife.models.LIFE` makes [Q | K | V] from the
  tokens laid out on their ``H x W`` grid; padded pixels (``key_padding_mask``) are zeroed
  before each depthwise conv so they never leak into valid pixels.

In all three, the positional encoding is added to Q and K *after* the projection, as DETR adds it
to the (unprojected) queries and keys, and V gets none: the only difference between the
variants is the map that makes Q, K, V from the features. (Stock DETR projects ``x + pos``; for
a Linear the two differ only in whether ``pos`` is also projected.)
"""
import warnings
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmdet.registry import MODELS

from mmlife.models import LIFE
from mmlife.visualization.attention_recorder import register_functional_sdpa_class

QKV_PROJS = ('none', 'linear', 'life')
QKV_INITS = ('xavier', 'linear')


@MODELS.register_module()
@register_functional_sdpa_class  # for AttentionRecorder: it calls F.scaled_dot_product_attention
class LIFEMultiheadAttention(BaseModule):
    """Multi-head attention with an identity connection and a selectable Q/K/V projection.

    A drop-in for mmcv's ``MultiheadAttention`` (``batch_first=True``) in the DETR layers: the
    same call signature, the residual ``identity + dropout(out_proj(attention))`` and the same
    positional-encoding convention, computed with ``F.scaled_dot_product_attention``.

    Args:
        embed_dims (int): token width ``C``; split into ``num_heads`` heads.
        num_heads (int): number of attention heads.
        qkv_proj (str): ``'none'``, ``'linear'`` or ``'life'`` (see the module docstring).
            ``'life'`` works for self-attention on a token grid only: the caller passes
            ``hw_shape=(H, W)`` to :meth:`forward`.
        attn_drop (float): dropout on the attention weights. Defaults to 0.
        proj_drop (float): dropout on the output projection, before the residual. Defaults to 0.
        qkv_bias (bool): bias of the Linear / LIFE projection. Defaults to True.
        life_cfg (dict, optional): extra arguments of :class:`mmlife.models.LIFE`
            (e.g. ``kernel_sizes``). ``C`` not divisible by 3 uses LIFE's uneven split
            (256 -> 86 + 85 + 85 channels per scale of each of Q, K, V).
        qkv_init (str): how the detector's ``init_weights`` (:class:`LIFEEncoderMixin
            <mmlife.det.models.detectors.life_detr.LIFEEncoderMixin>`) initialises LIFE, with
            ``qkv_proj='life'`` only. ``'xavier'`` (default): every layer Xavier-uniform with
            its own fans, so each layer keeps the variance of its input and Q, K, V come out
            about ``sqrt(2)`` times larger than from the Xavier-initialised ``Linear(C, 3C)``
            (fans ``C`` and ``3C``) of ``qkv_proj='linear'``. ``'linear'``: scale 1's point-wise
            layer takes that Linear's fans instead, so that Q, K, V start at the Linear's scale
            (the later layers still keep the variance).
        batch_first (bool): must be True (every DETR of mmdet is batch first); accepted so the
            stock layer configs can be reused.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 qkv_proj: str = 'linear',
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 qkv_bias: bool = True,
                 life_cfg: Optional[dict] = None,
                 qkv_init: str = 'xavier',
                 batch_first: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if qkv_proj not in QKV_PROJS:
            raise ValueError(f'qkv_proj must be one of {QKV_PROJS}, got {qkv_proj!r}')
        if embed_dims % num_heads != 0:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible by num_heads '
                             f'({num_heads})')
        if not batch_first:
            raise ValueError('LIFEMultiheadAttention is batch first: (B, N, C) inputs only')
        if life_cfg is not None and qkv_proj != 'life':
            raise ValueError(f"life_cfg is only used with qkv_proj='life', got {qkv_proj!r}")
        if qkv_init not in QKV_INITS:
            raise ValueError(f'qkv_init must be one of {QKV_INITS}, got {qkv_init!r}')
        if qkv_init != 'xavier' and qkv_proj != 'life':
            raise ValueError(f"qkv_init={qkv_init!r} is for qkv_proj='life', got {qkv_proj!r}")
        self.qkv_init = qkv_init
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.qkv_proj = qkv_proj
        self.batch_first = True
        self.attn_drop = attn_drop
        if qkv_proj == 'linear':
            self.qkv = nn.Linear(embed_dims, 3 * embed_dims, bias=qkv_bias)
        elif qkv_proj == 'life':
            self.qkv = LIFE(embed_dims, bias=qkv_bias, **(life_cfg or {}))
        else:
            self.qkv = None
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def extra_repr(self) -> str:
        return (f'embed_dims={self.embed_dims}, num_heads={self.num_heads}, '
                f'qkv_proj={self.qkv_proj!r}, attn_drop={self.attn_drop}')

    def forward(self,
                query: torch.Tensor,
                key: Optional[torch.Tensor] = None,
                value: Optional[torch.Tensor] = None,
                identity: Optional[torch.Tensor] = None,
                query_pos: Optional[torch.Tensor] = None,
                key_pos: Optional[torch.Tensor] = None,
                attn_mask: Optional[torch.Tensor] = None,
                key_padding_mask: Optional[torch.Tensor] = None,
                hw_shape: Optional[Sequence[int]] = None,
                **kwargs) -> torch.Tensor:
        """Attend from ``query`` to ``key``/``value``; returns ``identity + out`` ``(B, Nq, C)``.

        Args:
            query (Tensor): ``(B, Nq, C)``.
            key (Tensor, optional): ``(B, Nk, C)``; defaults to ``query`` (self-attention).
            value (Tensor, optional): ``(B, Nk, C)``; defaults to ``key``.
            identity (Tensor, optional): the residual; defaults to ``query``.
            query_pos, key_pos (Tensor, optional): positional encodings added to Q and K.
                ``key_pos`` defaults to ``query_pos`` when their shapes match (as in mmcv).
            attn_mask (Tensor, optional): ``(Nq, Nk)`` or ``(B * num_heads, Nq, Nk)``; bool
                (True = not allowed, as in ``nn.MultiheadAttention``) or float (added).
            key_padding_mask (Tensor, optional): bool ``(B, Nk)``, True at padded keys.
            hw_shape (tuple, optional): ``(H, W)`` of the tokens, needed by ``qkv_proj='life'``.
        """
        key = query if key is None else key
        value = key if value is None else value
        identity = query if identity is None else identity
        if key_pos is None and query_pos is not None:
            if query_pos.shape == key.shape:
                key_pos = query_pos
            else:
                warnings.warn('query_pos and key have different shapes and no key_pos was '
                              'given: K gets no positional encoding')
        if query.dim() != 3 or query.shape[-1] != self.embed_dims:
            raise ValueError(f'query must be (B, N, {self.embed_dims}), got {tuple(query.shape)}')
        if key_padding_mask is not None:
            if key_padding_mask.dtype != torch.bool:
                raise ValueError('key_padding_mask must be bool (True = padding), got '
                                 f'{key_padding_mask.dtype}')
            if tuple(key_padding_mask.shape) != tuple(key.shape[:2]):
                raise ValueError(f'key_padding_mask must be (B, Nk) = {tuple(key.shape[:2])}, '
                                 f'got {tuple(key_padding_mask.shape)}')

        q, k, v = self._project(query, key, value, hw_shape, key_padding_mask)
        if query_pos is not None:
            q = q + query_pos
        if key_pos is not None:
            k = k + key_pos

        B, Nq, C = q.shape
        Nk = k.shape[1]
        heads = self.num_heads
        q, k, v = (t.reshape(B, -1, heads, C // heads).transpose(1, 2) for t in (q, k, v))
        mask = self._attention_mask(attn_mask, key_padding_mask, B, Nq, Nk, q.dtype)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.attn_drop if self.training else 0.)
        out = out.transpose(1, 2).reshape(B, Nq, C)
        return identity + self.proj_drop(self.out_proj(out))

    def _project(self, query, key, value, hw_shape, key_padding_mask):
        """Q, K, V before the positional encoding."""
        C = self.embed_dims
        self_attention = key is query and value is query
        if self.qkv_proj == 'none':
            return query, key, value
        if self.qkv_proj == 'life':
            if not self_attention:
                raise ValueError("qkv_proj='life' makes Q, K and V from one token map: it "
                                 'needs self-attention (key and value are the query)')
            if hw_shape is None:
                raise ValueError("qkv_proj='life' needs hw_shape=(H, W) of the tokens; the "
                                 'encoder passes it (LIFEDETR), object queries have none')
            return self.qkv(query, hw_shape, 0, key_padding_mask).split(C, dim=-1)
        if self_attention:
            return self.qkv(query).split(C, dim=-1)
        # cross-attention: the rows of the one Linear that make Q, and K and V
        w, b = self.qkv.weight, self.qkv.bias
        q = F.linear(query, w[:C], None if b is None else b[:C])
        if key is value:
            k, v = F.linear(key, w[C:], None if b is None else b[C:]).split(C, dim=-1)
        else:
            k = F.linear(key, w[C:2 * C], None if b is None else b[C:2 * C])
            v = F.linear(value, w[2 * C:], None if b is None else b[2 * C:])
        return q, k, v

    def _attention_mask(self, attn_mask, key_padding_mask, B, Nq, Nk, dtype):
        """One additive float mask (or None) broadcastable to ``(B, heads, Nq, Nk)``."""
        mask = None
        if attn_mask is not None:
            if attn_mask.dim() == 3:  # (B * heads, Nq, Nk) as in nn.MultiheadAttention
                attn_mask = attn_mask.reshape(B, self.num_heads, Nq, Nk)
            if attn_mask.dtype == torch.bool:
                mask = torch.zeros(attn_mask.shape, dtype=dtype, device=attn_mask.device)
                mask = mask.masked_fill(attn_mask, float('-inf'))
            else:
                mask = attn_mask.to(dtype)
        if key_padding_mask is not None:
            pad = torch.zeros((B, 1, 1, Nk), dtype=dtype, device=key_padding_mask.device)
            pad = pad.masked_fill(key_padding_mask[:, None, None, :], float('-inf'))
            mask = pad if mask is None else mask + pad
        return mask
