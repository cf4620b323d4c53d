# ResNet-18 on ImageNet-1k at 224x224 with the standard ImageNet recipe (torchvision/mmpretrain):
# SGD, lr 0.1 per 256 images x0.1 at epochs 30/60/90, 100 epochs, random resized crop and flip.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/imagenet1k_bs64_224.py',
    '../_base_/schedules/resnet_sgd_multistep_100e_in1k.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    head=dict(num_classes=1000))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
