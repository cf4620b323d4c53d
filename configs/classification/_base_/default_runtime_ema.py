# default_runtime.py with an exponential moving average of the weights, as the model EMA of
# DeiT's and the official LIFE code's training scripts, which validate the trained weights and
# save the EMA beside them. mmpretrain's EMAHook does the same with evaluate_on_ema=False;
# `tools/test.py CONFIG CKPT --cfg-options custom_hooks.1.evaluate_on_ema=True` tests the EMA,
# and the checkpoints' `state_dict` holds the EMA (mmengine's convention, for deployment), the
# trained weights `ema_state_dict` (swapped back when a config with this hook loads them).
#
# Momentum: DeiT's decay 0.99996 (momentum 4e-5) averages over ~25,000 iterations, 20 of the
# 300 epochs of ImageNet at batch 1024 (1,251 iterations an epoch). CIFAR-10 at batch 512 has
# 98 iterations an epoch, 29,400 in all: that decay would average over 255 epochs, and the EMA
# lags far behind the trained weights (docs/results.md, "the weight EMA at DeiT's decay").
# Momentum 5e-4 averages over 2,000 iterations, the same 20 epochs.
# ForeachExponentialMovingAverage (mmlife.engine): mmengine's ExponentialMovingAverage with one
# multi-tensor update per step instead of one per tensor.
_base_ = './default_runtime.py'

# (a list replaces the base's: the eager optimizer step hook is listed again)
custom_hooks = [dict(type='EagerOptimizerStepHook'),
                dict(type='EMAHook', ema_type='ForeachExponentialMovingAverage', momentum=5e-4,
                     evaluate_on_ema=False, evaluate_on_origin=True, priority='ABOVE_NORMAL')]
