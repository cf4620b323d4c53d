# default_runtime.py with an exponential moving average of the weights, as DeiT's and the
# official LIFE code's model EMA (decay 0.99996, i.e. mmengine EMAHook momentum 4e-5);
# validation, testing and the saved `ema_` weights use the averaged model.
_base_ = './default_runtime.py'

# (a list replaces the base's: the eager optimizer step hook is listed again)
custom_hooks = [dict(type='EagerOptimizerStepHook'),
                dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]
