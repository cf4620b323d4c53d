"""The linear segmentation head of the LIFE paper (Table 3): a linear layer, then upscaling."""
import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS


@MODELS.register_module()
class LinearUpsampleHead(BaseDecodeHead):
    """A per-token linear classifier followed by bilinear upsampling.

    The paper's "simple linear layer followed by upscaling to match the dimension of the features
    to the number of classes": the backbone's ``(B, C, h, w)`` token map goes through one linear
    layer ``C -> num_classes`` applied to every token (``BaseDecodeHead.conv_seg``, a 1x1 conv),
    and the logits are upsampled bilinearly by ``up_scale`` (the backbone's patch size, so that
    they come out at input resolution). There is no hidden layer, norm or activation.

    Only ``forward`` differs from ``BaseDecodeHead``; losses and prediction are the stock ones,
    which still resize the logits to the exact label / image size (a no-op when the input is a
    multiple of the patch size).

    Args:
        in_channels (int | Sequence[int]): width of the selected feature map (192 for DeiT-T);
            a sequence together with ``input_transform='resize_concat'``.
        up_scale (int): bilinear upsampling factor after the linear layer. Defaults to 16.
        **kwargs: the other arguments of ``BaseDecodeHead`` (``num_classes``, ``in_index``,
            ``dropout_ratio``, ``loss_decode``, ``ignore_index``, ``align_corners``, ...).
            ``channels`` may be left out; it is the input width, as there is no hidden layer.
    """

    def __init__(self, in_channels, up_scale: int = 16, **kwargs):
        input_transform = kwargs.get('input_transform')
        if input_transform == 'multiple_select':
            raise ValueError("LinearUpsampleHead classifies one feature map; input_transform "
                             "must be None or 'resize_concat', got 'multiple_select'")
        width = sum(in_channels) if input_transform == 'resize_concat' else in_channels
        channels = kwargs.pop('channels', width)
        if channels != width:
            raise ValueError(f'LinearUpsampleHead has no hidden layer: channels must equal the '
                             f'input width {width}, got channels={channels}')
        if isinstance(up_scale, bool) or not isinstance(up_scale, int) or up_scale < 1:
            raise ValueError(f'up_scale must be a positive int, got {up_scale!r}')
        super().__init__(in_channels, channels, **kwargs)
        self.up_scale = up_scale

    def forward(self, inputs) -> torch.Tensor:
        """``(B, C, h, w)`` features -> ``(B, num_classes, h * up_scale, w * up_scale)`` logits."""
        x = self._transform_inputs(inputs)
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f'LinearUpsampleHead expects a (B, {self.channels}, h, w) feature '
                             f'map, got {tuple(x.shape)}')
        x = self.cls_seg(x)
        if self.up_scale > 1:
            x = F.interpolate(x, scale_factor=self.up_scale, mode='bilinear',
                              align_corners=self.align_corners)
        return x
