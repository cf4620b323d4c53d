# Imagenette (10 easy ImageNet classes) as an image folder:
# data/imagenette/{train,val}/<wnid>/*.jpg
# (9,469 train / 3,925 val images, shorter side 160 px). Unpack:
#   mkdir -p data && tar -xJf imagenette_160.tar.xz -C data
#   ln -sfn imagenette_160 data/imagenette
# Everything else is the ImageNet-100 base: the DeiT augmentation at 224 x 224 (RandomResizedCrop,
# flip, RandAugment, random erasing) and a 256 -> 224 centre crop for evaluation. The 160 px
# images are upsampled by both (the crop is what the model sees; the ratio 224/256 is kept).
_base_ = './imagenet100_bs64_224.py'

data_root = 'data/imagenette'
num_classes = 10
# The classes are the class folders (ClassFolderDataset labels an image by its folder's name),
# labels 0..9 in this order: tench, English springer, cassette player, chain saw, church,
# French horn, garbage truck, gas pump, golf ball, parachute.
classes = ('n01440764', 'n02102040', 'n02979186', 'n03000684', 'n03028079', 'n03394916',
           'n03417042', 'n03425413', 'n03445777', 'n03888257')

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(data_root=data_root, classes=classes))
val_dataloader = dict(dataset=dict(data_root=data_root, classes=classes))
test_dataloader = val_dataloader
