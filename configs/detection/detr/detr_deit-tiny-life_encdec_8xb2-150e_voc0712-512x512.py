# DETR with a DeiT-T-LIFE backbone (random init);
# Pascal VOC 07+12 trainval -> VOC 2007 test; 512 x 512.
# EncDec: Q, K, V are the features themselves (pos. encoding added to Q, K),
# no input projection in any attention.
_base_ = './detr_deit-tiny_encdec_8xb2-150e_voc0712-512x512.py'

model = dict(backbone=dict(use_life=True))
