# ResNet-18 (CIFAR stem) on CIFAR-100 at 32x32 with the paper's CNN recipe for small datasets:
# SGD, lr 0.1 x0.2 at epochs 60/120/160, 200 epochs, only random crop and horizontal flip.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/cifar100_bs64_folder.py',
    '../_base_/schedules/resnet_sgd_multistep_200e.py',
    '../_base_/default_runtime.py',
]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))

model = dict(head=dict(num_classes=100))
