# The standard ResNet ImageNet-1k recipe (torchvision / mmpretrain resnet*_8xb32_in1k): SGD
# (momentum 0.9, weight decay 1e-4), lr 0.1 for 256 images per step, x0.1 at 30, 60, 90, 100
# epochs.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))

param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# lr above is for 256 images per step; --auto-scale-lr rescales it
auto_scale_lr = dict(base_batch_size=256)
