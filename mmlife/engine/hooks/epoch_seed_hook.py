"""Seed every random generator at the start of each training epoch, so that a resumed run
repeats an uninterrupted one exactly: the main process's and the data-loader workers'."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def epoch_seed(seed: int, epoch: int, *more: int) -> int:
    """A 32-bit seed derived from the run's seed and the epoch (independent streams per epoch,
    not ``seed + epoch``, so that runs with seeds 0 and 1 do not share epochs); ``more``
    (e.g. a rank and a loader worker id) gives each of them a stream of its own."""
    return int(np.random.SeedSequence([seed % 2**32, epoch, *more]).generate_state(1)[0])


def seed_all(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds every CUDA device too


class EpochSeededPipeline:
    """A dataset's pipeline that, in a data-loader worker, first seeds the worker's generators
    from ``(seed, epoch, rank, worker id)`` when it runs in an epoch it has not run in before.

    ``epoch`` is a shared 0-d int64 tensor (in shared memory) that :class:`EpochSeedHook` sets
    in the main process before each epoch's batches are sent to the workers; persistent workers
    see it change. torch hands an epoch's batches to the workers in a fixed round-robin order
    (restarted every epoch), so each worker transforms the same samples, from the same
    generator state, whether or not the run was resumed. In the main process
    (``num_workers=0``) it only runs the pipeline: :class:`EpochSeedHook` seeds that process.
    """

    def __init__(self, pipeline, epoch, seed: int, rank: int):
        self.pipeline = pipeline
        self.epoch = epoch
        self.seed = seed
        self.rank = rank
        self._seeded_epoch = None

    def __call__(self, results):
        epoch = int(self.epoch)
        if epoch != self._seeded_epoch:
            worker = torch.utils.data.get_worker_info()
            if worker is not None:
                seed_all(epoch_seed(self.seed, epoch, self.rank, worker.id))
            self._seeded_epoch = epoch
        return self.pipeline(results)

    def __getattr__(self, name):
        # the wrapped Compose's attributes (``transforms``, ...); not during unpickling, when
        # ``pipeline`` itself is not set yet
        if name == 'pipeline':
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f'EpochSeededPipeline({self.pipeline!r})'


def _pipeline_datasets(dataset):
    """The datasets with a ``pipeline`` in ``dataset`` and in the datasets it wraps
    (mmengine's ``ConcatDataset``, ``RepeatDataset``, ``ClassBalancedDataset``)."""
    found = [dataset] if callable(getattr(dataset, 'pipeline', None)) else []
    inner = getattr(dataset, 'datasets', None) or [getattr(dataset, 'dataset', None)]
    for d in inner:
        if d is not None and d is not dataset:
            found += _pipeline_datasets(d)
    return found


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed every random generator from ``(runner.seed, epoch)`` before every training epoch:
    Python's ``random``, NumPy's global generator and torch (CPU and CUDA) in the main process,
    and the same in each data-loader worker (from the rank and the worker id too).

    mmengine seeds the generators once, when the runner is built, and its loader workers once,
    when they start. Data augmentation, stochastic depth, dropout and batch augmentations
    (Mixup, CutMix) then draw from generators whose state depends on everything run before,
    and ``--resume`` does not restore that state: the resumed epochs would differ from an
    uninterrupted run. Seeding each epoch from the seed and the epoch number (before the
    epoch's hooks and again before its first iteration) makes the state at the start of epoch
    ``e`` the same in both. ``runner.seed`` already differs between ranks when
    ``randomness.diff_rank_seed=True``.

    The workers are reached through their dataset: before training, the hook wraps the
    pipeline of the training dataset (and of the datasets it wraps) in an
    :class:`EpochSeededPipeline` that reseeds its worker on the first sample of each epoch, so
    persistent workers (which start once and run on across epochs) resume exactly too. A
    training dataset without a ``pipeline`` is left as it is; resumed with persistent workers,
    its augmentation then does not repeat (a warning says so).
    """

    priority = 'VERY_HIGH'  # before any other hook of before_train_epoch draws a random number

    def __init__(self):
        self._epoch = None

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        datasets = _pipeline_datasets(getattr(loader, 'dataset', None))
        if datasets:
            # shared with the workers (forked or spawned); written only between epochs
            self._epoch = torch.full((), -1, dtype=torch.int64).share_memory_()
            for dataset in datasets:
                if not isinstance(dataset.pipeline, EpochSeededPipeline):
                    dataset.pipeline = EpochSeededPipeline(dataset.pipeline, self._epoch,
                                                           runner.seed, get_rank())
                else:  # a second run of the same dataset: follow this hook's epochs
                    dataset.pipeline.epoch = self._epoch
        elif runner.epoch > 0 and getattr(loader, 'num_workers', 0) > 0 and \
                getattr(loader, 'persistent_workers', False):
            runner.logger.warning(
                'resumed with persistent data-loader workers and a training dataset without a '
                'pipeline to reseed: their random augmentation does not continue where the '
                'interrupted run stopped, so the result will not be bit-identical to an '
                'uninterrupted run (for that, train with --no-persistent-workers or '
                'num_workers=0)')

    def before_train_epoch(self, runner) -> None:
        seed_all(epoch_seed(runner.seed, runner.epoch))
        if self._epoch is not None:
            self._epoch.fill_(runner.epoch)  # the workers reseed on the epoch's first sample

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if batch_idx == 0:
            # once more: making the loader's iterator drew its workers' base seed from torch's
            # generator, and with persistent workers that happens in the first epoch of a run
            # only (epoch 0 of an uninterrupted run, the first epoch after a resume)
            seed_all(epoch_seed(runner.seed, runner.epoch))
