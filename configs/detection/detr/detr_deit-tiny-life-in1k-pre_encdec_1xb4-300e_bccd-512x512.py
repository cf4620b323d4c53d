# DETR with a DeiT-T-LIFE backbone (ImageNet-1k pretrained);
# BCCD train -> val (test split for the final numbers); 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
# The backbone weights are read from a local file (nothing is downloaded): an
# mmpretrain classifier checkpoint (DeiT-T-LIFE, patch 16; keys `backbone.*`).
# The 224 px position embedding is resized to 512 px when loading.
_base_ = './detr_deit-tiny-life_encdec_1xb4-300e_bccd-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained', checkpoint='pretrain/deit-tiny-life_in1k.pth',
            prefix='backbone.')))
