# The DeiT recipe: AdamW, lr 5e-4 per 512 images, weight decay 0.05 (none on norms, biases,
# tokens and position embeddings), 5 linear warm-up epochs then cosine to 1e-5, 300 epochs.
optim_wrapper = dict(
    # one optimizer group per distinct setting instead of one per parameter (same updates)
    constructor='MergedGroupsOptimWrapperConstructor',
    # fused: one kernel for all parameters, and no host read of every parameter's step count
    # (the foreach AdamW reads two per parameter each step); with fp16 AMP the GradScaler then
    # skips an overflowed step without a host sync
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999),
                   fused=True),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={
            '.cls_token': dict(decay_mult=0.0),
            '.dist_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0),
        }),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5),
]

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# lr above is for 512 images per step (8 GPUs x 64); --auto-scale-lr rescales it
auto_scale_lr = dict(base_batch_size=512)
