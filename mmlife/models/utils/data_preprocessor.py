"""mmpretrain's ``ClsDataPreprocessor`` with the single-label batch handled as one tensor.

The stock pre-processor treats every batch as multi-label: it builds the one-hot scores with
one ``sum`` per sample, splits the labels into one slice per sample, and ``F.one_hot`` on the GPU
checks the label range with a host sync. With a batch of 512 that is over a thousand small
operations and one sync per iteration, which is a large part of the host time of a training
step of a small model (``docs/performance.md``).

``BatchLabelClsDataPreprocessor`` gives the same outputs in a handful of operations when every
sample has exactly one label (the classification datasets of mmlife): the labels are checked on
the host, copied to the device once, and turned into one-hot scores with one ``scatter_``; the
per-sample fields are views of the batch tensors. Other batches (multi-label samples, samples
that already carry ``gt_score``, multi-task samples) take the stock path unchanged.

It also copies the batch to the GPU with ``non_blocking=True`` (mmengine's option, which the stock
class leaves off): a blocking host-to-device copy waits for the GPU to finish all the work queued
before it, so the host could not prepare the next step while the GPU runs the current one. The
batches come from the data loader's own memory, which nothing writes to after the copy.

Under ``torch.compile`` (mmengine's ``compile=True`` compiles the whole ``train_step``) the
pre-processor runs eagerly: its random batch augments (a NumPy draw of the mix ratio, a
``randperm`` of the batch) and its host-side label checks do not belong in a graph, and
torch 2.11's inductor fails to compile Mixup's ``randperm`` indexing (an internal error of its
pattern matcher). The model's forward and loss are what compiling gains.
"""
import torch
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class BatchLabelClsDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` whose single-label batches need no per-sample tensor work.

    Takes the arguments of :class:`mmpretrain.models.ClsDataPreprocessor` and returns the same
    ``inputs`` and data samples (``gt_label`` of shape ``(1,)``; with ``to_onehot`` or batch
    augments, ``gt_score`` of shape ``(num_classes,)``, int64 one-hot before the batch augments
    as in the stock path).

    Args:
        non_blocking (bool): copy the batch to the device without waiting for it
            (``BaseDataPreprocessor``'s option). Defaults to True.
        **kwargs: the arguments of ``ClsDataPreprocessor``.

    Raises:
        ValueError: if a label is outside ``[0, num_classes)``.
    """

    def __init__(self, non_blocking: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self._non_blocking = bool(non_blocking)

    @torch.compiler.disable
    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples')
        if not self._single_label(samples):
            return super().forward(data, training)
        # the images: the stock path without data samples (to RGB, normalise, pad, stack)
        inputs = super().forward({'inputs': data['inputs']}, training)['inputs']

        labels = torch.cat([sample.gt_label for sample in samples])
        num_classes = self.num_classes or samples[0].get('num_classes')
        scores = None
        if self.to_onehot:
            if num_classes is None:
                raise ValueError('One-hot labels need `num_classes` in the data_preprocessor '
                                 'or in the data samples.')
            # checked where the labels are (the host, from a data loader): no device sync
            low, high = labels.aminmax()
            if low < 0 or high >= num_classes:
                raise ValueError(f'labels must lie in [0, {num_classes}), got labels from '
                                 f'{int(low)} to {int(high)}')
        labels = labels.to(self.device, non_blocking=self._non_blocking)
        if self.to_onehot:
            scores = labels.new_zeros(len(samples), num_classes).scatter_(1, labels[:, None], 1)
            if training and self.batch_augments is not None:
                inputs, scores = self.batch_augments(inputs, scores)

        for sample, label in zip(samples, labels[:, None].unbind(0)):
            sample.set_gt_label(label)
        if scores is not None:
            for sample, score in zip(samples, scores.unbind(0)):
                sample.set_gt_score(score)
        return {'inputs': inputs, 'data_samples': samples}

    @staticmethod
    def _single_label(samples) -> bool:
        """Whether the batch is DataSamples with one ``gt_label`` each and no ``gt_score``."""
        if not samples or not isinstance(samples[0], DataSample):
            return False
        return all('gt_label' in sample and 'gt_score' not in sample
                   and sample.gt_label.numel() == 1 for sample in samples)
