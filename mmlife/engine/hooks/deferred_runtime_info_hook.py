"""mmengine's ``RuntimeInfoHook`` without a host sync in every training iteration."""
from collections import defaultdict
from typing import Dict, List, Optional

import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook
from mmengine.registry import HOOKS
from mmengine.utils import apply_to


@HOOKS.register_module()
class DeferredRuntimeInfoHook(RuntimeInfoHook):
    """``RuntimeInfoHook`` that hands the losses to the message hub in batches.

    The stock hook puts every value of the model's ``train_step`` outputs (the losses) into the
    message hub after every iteration with ``update_scalar``, which calls ``.item()`` on each
    tensor. On a GPU every iteration then waits for the device to finish it, so the host can
    never prepare the next iteration (data preprocessing, the Python of the forward pass, kernel
    launches) while the GPU still runs this one.

    This hook keeps the detached loss tensors of the iterations since its last flush and hands
    them to the message hub in their order, with one device-to-host copy, whenever something
    reads them:

    - in every iteration where a ``LoggerHook`` of the runner logs (every ``interval``
      iterations of the epoch, the last iteration of an epoch), before it;
    - before validation, after training and before a checkpoint is saved (whose message hub
      state is then taken again);
    - and at the latest after ``max_pending`` iterations.

    The message hub therefore holds the same history as with the stock hook wherever the
    logger, the checkpoint or validation reads it; between flushes its ``train/<loss>`` scalars
    lag behind by the pending iterations. Other hooks that read those scalars in every
    iteration need the stock hook. Everything else (epoch, iter, learning rates, ...) is the
    stock hook's. Use it in place of the stock one with
    ``default_hooks = dict(runtime_info=dict(type='DeferredRuntimeInfoHook'))``.

    Args:
        max_pending (int): the most iterations whose losses wait for a flush. Default: 100.
    """

    def __init__(self, max_pending: int = 100) -> None:
        if not isinstance(max_pending, int) or max_pending < 1:
            raise ValueError(f'max_pending must be a positive int, got {max_pending!r}')
        self.max_pending = max_pending
        self._pending: List[Dict[str, object]] = []
        self._log_intervals = ()

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._pending = []
        self._log_intervals = tuple(h.interval for h in runner.hooks
                                    if isinstance(h, LoggerHook) and h.interval > 0)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if outputs is not None:
            self._pending.append({k: v.detach() if isinstance(v, torch.Tensor) else v
                                  for k, v in outputs.items()})
        if (len(self._pending) >= self.max_pending
                or self.end_of_epoch(runner.train_dataloader, batch_idx)
                or self.is_last_train_iter(runner)
                or any(self.every_n_inner_iters(batch_idx, n) for n in self._log_intervals)):
            self.flush(runner)

    def flush(self, runner) -> None:
        """Put the pending losses into the message hub, in order; one copy per device."""
        pending, self._pending = self._pending, []
        tensors = defaultdict(list)  # device -> the scalar tensors on it, in order
        for outputs in pending:
            for value in outputs.values():
                if isinstance(value, torch.Tensor):
                    if value.numel() != 1:
                        raise ValueError('a logged value must have one element, got shape '
                                         f'{tuple(value.shape)}')
                    tensors[value.device].append(value)
        values = {device: iter(torch.stack([t.reshape(()).double() for t in ts]).tolist())
                  for device, ts in tensors.items()}
        for outputs in pending:
            for key, value in outputs.items():
                if isinstance(value, torch.Tensor):
                    number = next(values[value.device])
                    value = number if value.is_floating_point() else int(number)
                runner.message_hub.update_scalar(f'train/{key}', value)

    def after_train_epoch(self, runner) -> None:
        self.flush(runner)

    def before_val(self, runner) -> None:
        self.flush(runner)
        super().before_val(runner)

    def after_train(self, runner) -> None:
        self.flush(runner)
        super().after_train(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._pending:
            self.flush(runner)
            # the runner took the message hub's state before calling this hook
            checkpoint['message_hub'] = apply_to(runner.message_hub.state_dict(),
                                                 lambda x: hasattr(x, 'cpu'), lambda x: x.cpu())
