# DETR with a DeiT-T backbone (ImageNet-1k pretrained);
# Pascal VOC 07+12 trainval -> VOC 2007 test; 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
# The backbone weights are read from a local file (nothing is downloaded): an
# mmpretrain classifier checkpoint (DeiT-T, patch 16; keys `backbone.*`).
# The 224 px position embedding is resized to 512 px when loading.
_base_ = './detr_deit-tiny_encdec_8xb2-150e_voc0712-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained', checkpoint='pretrain/deit-tiny_in1k.pth',
            prefix='backbone.')))
