# The Table 3 segmentor: DeiT-Tiny (patch 16) -> a linear layer per token -> bilinear
# upsampling to the input size (the paper's "linear head").
# The backbone is mmlife's mmpretrain LIFEVisionTransformer returning the last block's token map
# (out_type='featmap', after the final LayerNorm); `use_life` switches LIFE on. Position
# embeddings are learnt for `img_size` and interpolated for other input sizes (and when an
# ImageNet checkpoint trained at 224x224 is loaded). Random init, as the DeiT recipe; the
# *_in1k-pre configs replace the backbone's init_cfg by a local checkpoint.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the patch size (the padding is cropped off again)
    test_cfg=dict(size_divisor=16))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='mmpretrain.LIFEVisionTransformer',
        arch='deit-tiny',
        img_size=(512, 512),
        patch_size=16,
        out_type='featmap',
        out_indices=-1,
        final_norm=True,
        with_cls_token=True,
        drop_rate=0.,
        drop_path_rate=0.,
        interpolate_mode='bilinear',
        use_life=False,
        init_cfg=[
            dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
            dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
        ]),
    # The paper's linear head is stock mmseg FCNHead with no conv (as mmseg's Segmenter linear
    # baseline): the 1x1 conv_seg is one Linear(192, num_classes) per token; the stock loss and
    # predict resize the logits bilinearly to the label / input size (x16 for patch 16).
    decode_head=dict(
        type='FCNHead',
        in_channels=192,
        channels=192,
        num_convs=0,
        concat_input=False,
        num_classes=19,
        dropout_ratio=0.,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
