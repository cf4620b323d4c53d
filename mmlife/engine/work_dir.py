"""Checks of a training work dir before anything is written to it (used by ``tools/train.py``).

- Training without ``--resume`` in a work dir that already holds checkpoints would overwrite
  them and repoint ``last_checkpoint``: refused unless the user asks to start over.
- ``--resume`` with nothing to resume (no ``last_checkpoint``, an empty one, or one naming a
  missing file) would silently start from scratch: refused with what was found and what to do.
"""
import glob
import os.path as osp
from typing import List, Optional

from mmlife.utils.data_check import short_list


class WorkDirError(RuntimeError):
    """The work dir does not fit the requested start (fresh training or resume)."""


def checkpoints_in(work_dir: str) -> List[str]:
    """The checkpoint files (``*.pth``) and ``last_checkpoint`` directly in ``work_dir``."""
    found = sorted(glob.glob(osp.join(glob.escape(work_dir), '*.pth')))
    last = osp.join(work_dir, 'last_checkpoint')
    return found + ([last] if osp.isfile(last) else [])


def _listing(files: List[str]) -> str:
    return short_list([osp.basename(f) for f in files], 8)


def resolve_last_checkpoint(work_dir: str) -> str:
    """The checkpoint ``work_dir/last_checkpoint`` names, checked to exist.

    Raises:
        WorkDirError: ``last_checkpoint`` is missing, empty, or names a file that does not
            exist; the message lists the checkpoints that are there and how to go on.
    """
    last = osp.join(work_dir, 'last_checkpoint')
    pths = sorted(glob.glob(osp.join(glob.escape(work_dir), '*.pth')))
    pick = (f' To resume from one of the checkpoints there ({_listing(pths)}), give it: '
            f'--resume {pths[-1]}.' if pths else '')
    fresh = (' To start a new training instead, run without --resume' +
             (' and with --overwrite, or choose another --work-dir.' if pths else '.'))
    if not osp.isfile(last):
        what = ('holds no checkpoint' if not pths else
                'has no last_checkpoint file naming the checkpoint to resume from')
        raise WorkDirError(f'--resume: nothing to resume: the work dir {work_dir} {what}.'
                           f'{pick}{fresh}')
    with open(last) as f:
        target = f.read().strip()
    if not target:
        raise WorkDirError(f'--resume: {last} is empty (a run was probably killed while writing '
                           f'it), so it names no checkpoint.{pick}{fresh}')
    if not osp.isfile(target):
        raise WorkDirError(f'--resume: {last} names {target}, which does not exist (deleted or '
                           f'moved).{pick}{fresh}')
    return target


def check_work_dir(work_dir: str, resume: bool, load_from: Optional[str] = None,
                   overwrite: bool = False) -> None:
    """Refuse a training start that would lose checkpoints or silently not resume.

    Args:
        work_dir: the run's work dir (may not exist yet).
        resume: ``cfg.resume``; with ``load_from=None`` it resumes from ``last_checkpoint``.
        load_from: ``cfg.load_from``: with ``resume`` the checkpoint to resume from.
        overwrite: start a new training even if ``work_dir`` holds checkpoints (they are
            replaced as the new run writes checkpoints of the same name; ``last_checkpoint``
            then names the new run's latest).

    Raises:
        WorkDirError: with the files found and the ways to go on.
    """
    if resume and overwrite:
        raise WorkDirError('--resume continues the training in the work dir and --overwrite '
                           'starts a new one over it: give one of them')
    if resume:
        if load_from is None:
            resolve_last_checkpoint(work_dir)
        elif not osp.isfile(load_from) and '://' not in load_from:
            raise WorkDirError(f'--resume: checkpoint {load_from} does not exist')
        return
    found = checkpoints_in(work_dir)
    if found and not overwrite:
        raise WorkDirError(
            f'the work dir {work_dir} already holds checkpoints ({_listing(found)}); a new '
            'training would overwrite them. Give --resume to continue that training, '
            '--work-dir with a new folder to keep it, or --overwrite to start over in this one.')
