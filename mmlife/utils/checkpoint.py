"""Load mmengine checkpoints with ``torch.load(weights_only=True)`` on torch >= 2.6.

mmengine 0.10.7 writes a few non-tensor objects into its checkpoints: numpy arrays and scalars
(seeds, logged values) and ``HistoryBuffer`` objects in the message hub, whose pickled state
refers to some of its own methods through ``getattr(HistoryBuffer, name)``. torch >= 2.6 refuses
all of these by default.

:func:`register_safe_globals` puts exactly these types on torch's allowlist
(``torch.serialization.add_safe_globals``). ``getattr`` itself is never allowed: the name
``builtins.getattr`` is mapped to :func:`_history_buffer_getattr`, which only returns
``HistoryBuffer``'s own statistics methods and refuses anything else. ``weights_only`` stays on.

:func:`load_from_local` replaces mmengine's loader for local paths so that a checkpoint holding
anything else is refused with a message that names the offending globals, and an empty,
truncated or non-PyTorch file with a :class:`CorruptCheckpointError` that says so.
"""
import os.path as osp
import pickle
import re
import zipfile

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects that are not on mmlife's ``weights_only`` allowlist."""


_BUILTIN_STATISTICS = frozenset({'min', 'max', 'mean', 'current'})


def _history_buffer_getattr(obj, name):
    """The only ``getattr`` a checkpoint may call: ``HistoryBuffer``'s statistics methods."""
    allowed = _BUILTIN_STATISTICS | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics methods '
        f'({sorted(allowed)}) are allowed')


def _numpy_globals():
    multiarray = getattr(np, '_core', None) or np.core  # numpy 2 / numpy 1
    dtypes = [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]
    return [np.ndarray, np.dtype, multiarray.multiarray._reconstruct,
            multiarray.multiarray.scalar, *dtypes]


def register_safe_globals() -> None:
    """Allow the non-tensor types that mmengine checkpoints hold (idempotent)."""
    torch.serialization.add_safe_globals(
        [HistoryBuffer, *_numpy_globals(), (_history_buffer_getattr, 'builtins.getattr')])


class CorruptCheckpointError(ValueError):
    """A checkpoint file that is empty, truncated or not a PyTorch file at all."""


def _corrupt(filename, why):
    return CorruptCheckpointError(
        f'{filename} is not a readable checkpoint: {why}. It may be empty or truncated (e.g. a '
        'run killed while saving, a failed copy) or not a PyTorch file. Use another checkpoint '
        '(e.g. an earlier epoch_*.pth / iter_*.pth of the work dir), or copy it again.')


def _check_readable(filename):
    """Fail with :class:`CorruptCheckpointError` for files ``torch.load`` cannot even parse."""
    if osp.getsize(filename) == 0:
        raise _corrupt(filename, 'it is empty (0 bytes)')
    if not zipfile.is_zipfile(filename):
        with open(filename, 'rb') as f:
            head = f.read(1)
        if head != b'\x80':  # pickle protocol >= 2, torch's legacy format
            raise _corrupt(filename, 'it is neither a zip archive (what torch.save writes, '
                           'whose directory is at the end of the file) nor a pickle')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename, map_location=None):
    """mmengine's local loader, with ``weights_only=True`` and clear refusal messages."""
    if not filename:
        raise FileNotFoundError(
            'the checkpoint path is empty: if it came from a work dir\'s last_checkpoint file, '
            'that file is empty (a run killed while writing it); pass the checkpoint to resume '
            'from explicitly, e.g. --resume WORK_DIR/epoch_N.pth')
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    register_safe_globals()
    _check_readable(filename)
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except EOFError as err:
        raise _corrupt(filename, 'it ends early') from err
    except RuntimeError as err:
        if 'PytorchStreamReader' in str(err):
            raise _corrupt(filename, f'its zip archive is damaged ({err})') from err
        raise
    except pickle.UnpicklingError as err:
        if 'Unsupported global' not in str(err) and not zipfile.is_zipfile(filename):
            # torch's own message suggests weights_only=False, which would not help here
            detail = re.search(r'WeightsUnpickler error:\s*(.+)', str(err))
            raise _corrupt(filename, 'its pickle is damaged'
                           f'{f" ({detail.group(1).strip()})" if detail else ""}') from err
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # not a zip checkpoint: the original error says more
            unsafe = []
        raise UnsafeCheckpointError(
            f'Refusing to load {filename}: it holds objects outside the weights_only allowlist'
            f'{" " + str(unsafe) if unsafe else ""}. mmlife never turns weights_only off. If you '
            'trust this file, add the types with torch.serialization.add_safe_globals, or re-save '
            f'its state_dict alone. Details: {err}') from err
