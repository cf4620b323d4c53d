"""Seed every random generator at the start of each training epoch, so that a resumed run
repeats an uninterrupted one exactly."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed derived from the run's seed and the epoch (independent streams per epoch,
    not ``seed + epoch``, so that runs with seeds 0 and 1 do not share epochs)."""
    return int(np.random.SeedSequence([seed % 2**32, epoch]).generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA) from
    ``(runner.seed, epoch)`` before every training epoch.

    mmengine seeds the generators once, when the runner is built. Data augmentation in the main
    process (``num_workers=0``), stochastic depth, dropout and batch augmentations (Mixup, CutMix)
    then draw from generators whose state depends on everything run before, and
    ``--resume`` does not restore that state: the resumed epochs differ from an uninterrupted
    run. Seeding each epoch from the seed and the epoch number makes the state at the start of
    epoch ``e`` the same in both. ``runner.seed`` already differs between ranks when
    ``randomness.diff_rank_seed=True``.

    Data-loader workers draw their torch seed from the main process's torch generator when the
    epoch's iterator starts (non-persistent workers); mmengine's default ``worker_init_fn`` then
    seeds NumPy and ``random`` in the worker from the config seed and the worker id.
    """

    priority = 'VERY_HIGH'  # before any other hook of before_train_epoch draws a random number

    def before_train_epoch(self, runner) -> None:
        seed = epoch_seed(runner.seed, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # seeds every CUDA device too
