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

    Data-loader workers (``num_workers > 0``) have generators of their own, seeded by
    mmengine's ``worker_init_fn`` from the seed, the rank and the worker id when the workers
    start. Non-persistent workers start every epoch, so their epochs repeat exactly after a
    resume. Persistent workers start once and their generators run on across epochs, so the
    augmentation of the epochs after a resume differs from an uninterrupted run: a warning
    says so when a run resumes with them.
    """

    priority = 'VERY_HIGH'  # before any other hook of before_train_epoch draws a random number

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if runner.epoch > 0 and getattr(loader, 'num_workers', 0) > 0 and \
                getattr(loader, 'persistent_workers', False):
            runner.logger.warning(
                'resumed with persistent data-loader workers: their random augmentation does not '
                'continue where the interrupted run stopped, so the result will not be '
                'bit-identical to an uninterrupted run (for that, train with '
                '--no-persistent-workers or num_workers=0)')

    def before_train_epoch(self, runner) -> None:
        seed = epoch_seed(runner.seed, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # seeds every CUDA device too
