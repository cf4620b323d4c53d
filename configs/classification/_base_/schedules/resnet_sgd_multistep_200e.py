# The CNN recipe for small datasets: SGD (momentum 0.9, weight decay 5e-4), lr 0.1 for 128
# images per step, x0.2 at epochs 60, 120 and 160, 200 epochs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=False))

param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[60, 120, 160], gamma=0.2)

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# lr above is for 128 images per step; --auto-scale-lr rescales it
auto_scale_lr = dict(base_batch_size=128)
