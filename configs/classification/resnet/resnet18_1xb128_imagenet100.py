# ResNet-18 on ImageNet-100 at 224x224 with the paper's CNN recipe for small datasets:
# SGD, lr 0.1 x0.2 at epochs 60/120/160, 200 epochs, only random resized crop and flip.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/imagenet100_bs64_224.py',
    '../_base_/schedules/resnet_sgd_multistep_200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    head=dict(num_classes=100))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
