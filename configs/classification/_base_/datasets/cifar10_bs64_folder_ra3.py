# CIFAR-10 as cifar10_bs64_folder.py, with DeiT's repeated augmentation as in the official LIFE
# code: every image three times an epoch, the copies going to different processes, the epoch as
# long as before (mmpretrain's RepeatAugSampler, the sampler of DeiT's code).
_base_ = './cifar10_bs64_folder.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='RepeatAugSampler', num_repeats=3,
                                     shuffle=True))
