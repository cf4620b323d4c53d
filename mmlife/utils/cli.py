"""Command-line checks shared by ``tools/train.py`` and ``tools/test.py``.

:func:`check_cfg_options` refuses ``--cfg-options`` keys that are not in the config (a typo such as
``trian_cfg.max_epochs=1`` would otherwise add a new, unused key and train the full schedule).
:func:`check_schedule` refuses a ``param_scheduler`` that mmengine would reject later with an
unhelpful message (e.g. a warm-up longer than ``max_epochs``).
"""
import difflib
import math
import reprlib
import warnings
from typing import Dict, Optional

from mmengine.config import Config

#: top-level config dicts that mmengine builds with a default ``type`` when they name none, so
#: they hold a constructor's keyword arguments like a dict with a ``type`` key
DEFAULT_TYPE_KEYS = frozenset({'optim_wrapper', 'log_processor'})

RULE = ('Every part of a key path must exist in the config; the last part may be new only where '
        "its parent is a constructor's arguments (a dict with a 'type' key, or optim_wrapper / "
        'log_processor) and it is not a near-miss of an existing key. To add a new key anyway, '
        'prefix it with "+", e.g. --cfg-options +model.backbone.new_arg=1.')


class ConfigKeyError(KeyError):
    """A ``--cfg-options`` key that does not exist in the config."""

    def __str__(self):  # KeyError would print the message quoted, on one line
        return str(self.args[0])


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)
    return f' Did you mean {" or ".join(repr(c) for c in close)}?' if close else ''


def _check_key(cfg, key: str) -> None:
    parts = key.split('.')
    node = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for i, part in enumerate(parts):
        where = '.'.join(parts[:i]) or 'the config'
        last = i == len(parts) - 1
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigKeyError(
                    f'--cfg-options {key}: {where} is a list of {len(node)} items, so {part!r} is '
                    f'not one of its indices (0-{len(node) - 1}).')
            node = node[int(part)]
        elif isinstance(node, dict):
            if part in node:
                node = node[part]
                continue
            typed = 'type' in node or (i == 1 and parts[0] in DEFAULT_TYPE_KEYS)
            near = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.8)
            if last and typed and not near:
                return  # a new keyword argument of a constructor
            raise ConfigKeyError(
                f'--cfg-options {key}: {where} has no key {part!r}.'
                f'{_suggest(part, node.keys())} {RULE}')
        else:
            raise ConfigKeyError(
                f'--cfg-options {key}: {where} is {reprlib.repr(node)}, not a dict, so it has no '
                f'key {part!r}. {RULE}')


def check_cfg_options(cfg, options: Optional[Dict]) -> Optional[Dict]:
    """Check ``--cfg-options`` keys against ``cfg`` (before merging them).

    Args:
        cfg (mmengine.Config | dict): the config as read from its file.
        options (dict, optional): ``{dotted.key: value}`` as parsed by mmengine's ``DictAction``.
            A key written with a leading ``+`` (``+a.b=1``) may be new: the ``+`` is removed and
            the key is not checked.

    Returns:
        dict | None: the options to pass to ``cfg.merge_from_dict``, ``+`` prefixes removed.

    Raises:
        ConfigKeyError: naming the key, the missing part, close matches and the rule.
    """
    if options is None:
        return None
    checked = {}
    for key, value in options.items():
        if key.startswith('+'):
            key = key[1:]
        else:
            _check_key(cfg, key)
        checked[key] = value
    return checked


def _total(cfg, by_epoch: bool) -> Optional[int]:
    train_cfg = cfg.get('train_cfg') or {}
    loop_by_epoch = train_cfg.get('by_epoch', train_cfg.get('type') != 'IterBasedTrainLoop')
    if by_epoch and loop_by_epoch:
        return train_cfg.get('max_epochs')
    if not by_epoch and not loop_by_epoch:
        return train_cfg.get('max_iters')
    return None  # epochs against an iteration loop (or vice versa): not comparable here


def check_schedule(cfg) -> None:
    """Refuse parameter schedulers that end before they begin, naming the training length.

    mmengine only says "end should be larger than begin" once the runner builds the schedulers;
    this runs on the config and says which scheduler, its epochs or iterations, ``max_epochs`` /
    ``max_iters`` and how to fix it. A scheduler that begins after training ends is a warning (a
    short smoke-test run of a long schedule is legitimate).
    """
    schedulers = cfg.get('param_scheduler')
    if not schedulers:
        return
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, sched in enumerate(schedulers):
        by_epoch = sched.get('by_epoch', True)
        unit = 'epoch' if by_epoch else 'iteration'
        total = _total(cfg, by_epoch)
        key = 'max_epochs' if by_epoch else 'max_iters'
        limit = f'{key}={total}' if total is not None else key
        begin, end = sched.get('begin', 0), sched.get('end', math.inf)
        name = f'param_scheduler[{i}] ({sched.get("type")})'
        if end <= begin:
            earlier = [f'param_scheduler[{j}] ({s.get("type")}, {unit}s {s.get("begin", 0)}-'
                       f'{s.get("end")})' for j, s in enumerate(schedulers[:i])]
            raise ValueError(
                f'{name} begins at {unit} {begin} and ends at {end}: it must end after it begins. '
                f'The training is {limit}'
                + (f', shorter than or as long as the earlier {", ".join(earlier)}' if earlier
                   else '')
                + ('. Train longer, or shorten the warm-up, e.g. --cfg-options '
                   f'param_scheduler.{i - 1}.end=N param_scheduler.{i}.begin=N with N < {end}.'
                   if i else f'. Set param_scheduler.{i}.end larger than {begin}.'))
        if total is not None and begin >= total:
            warnings.warn(f'{name} begins at {unit} {begin}, but training stops at {limit}: it '
                          'never runs.')
