"""Fitting an epoch-based "warm-up, then main schedule" to another number of epochs."""
import copy
from typing import List


def fit_warmup(param_scheduler: List[dict], max_epochs: int) -> List[dict]:
    """``param_scheduler`` (a warm-up scheduler, then the main one) for ``max_epochs`` epochs.

    The configs' schedules are ``[warm-up from epoch 0 to W, main from W to the end]``. Shortening
    ``train_cfg.max_epochs`` alone breaks them once ``max_epochs <= W`` (mmengine: "end should be
    larger than begin"). Here the warm-up keeps its length but ends at least one epoch before
    the end, ``min(W, max_epochs - 1)`` epochs; with one epoch there is no warm-up, and the main
    scheduler runs alone from epoch 0. The main scheduler always ends at ``max_epochs``.

    Args:
        param_scheduler: the config's list of two epoch-based scheduler dicts (not modified).
        max_epochs: the new number of training epochs, at least 1.

    Returns:
        A new list of scheduler dicts (one or two).
    """
    if not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f'max_epochs must be an integer >= 1, got {max_epochs!r}')
    if not isinstance(param_scheduler, (list, tuple)) or len(param_scheduler) != 2:
        raise ValueError('expected a warm-up scheduler followed by the main one (a list of two '
                         f'dicts), got {param_scheduler!r}')
    warmup, main = (copy.deepcopy(dict(s)) for s in param_scheduler)
    for s in (warmup, main):
        if not s.get('by_epoch', True):
            raise ValueError(f'expected epoch-based schedulers (by_epoch=True), got {s!r}')
    begin, end = warmup.get('begin', 0), warmup.get('end')
    if begin != 0 or end is None or main.get('begin') != end:
        raise ValueError('expected the warm-up to run from epoch 0 to W and the main scheduler '
                         f'to begin at W, got {warmup!r} and {main!r}')
    epochs = min(end, max_epochs - 1)
    main.update(begin=epochs, end=max_epochs)
    if epochs == 0:
        return [main]
    warmup.update(end=epochs)
    return [warmup, main]
