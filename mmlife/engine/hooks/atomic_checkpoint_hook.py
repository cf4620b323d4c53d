"""A :class:`~mmengine.hooks.CheckpointHook` whose checkpoints survive a kill at any moment."""
import contextlib
import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

TMP_SUFFIX = '.tmp'


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder renamed into
    place, so that ``path`` always holds either its old content or ``text`` in full."""
    tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.{os.getpid()}{TMP_SUFFIX}')
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync(path: str) -> None:
    """Flush a written file to the disk (so that a rename never exposes unwritten data)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _DeferRemoval:
    """A file backend that records ``remove`` / ``rmtree`` instead of doing them."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def remove(self, path):
        self.pending.append(('remove', path))

    def rmtree(self, path):
        self.pending.append(('rmtree', path))


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) with crash-safe writes.

    - Every checkpoint (``epoch_N.pth``, ``iter_N.pth``, ``best_*.pth``) is written to a hidden
      temporary file in the same folder, then renamed into place (``os.replace``), so a file with
      a checkpoint's name is always complete.
    - ``last_checkpoint`` is written the same way, after the checkpoint it names is in place.
    - Checkpoints beyond ``max_keep_ckpts`` and the previous best checkpoint are deleted only
      after the new checkpoint and ``last_checkpoint`` are complete. A kill at any moment
      therefore leaves ``last_checkpoint`` naming a complete checkpoint that exists.
    - Temporary files left by a killed run are removed when training starts again.

    With a remote ``out_dir`` (not a local folder) it behaves as ``CheckpointHook``.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self._is_local() and is_main_process():
            stale = set(glob.glob(osp.join(self.out_dir, f'.*.pth.*{TMP_SUFFIX}')))
            stale |= set(glob.glob(osp.join(runner.work_dir, f'.last_checkpoint.*{TMP_SUFFIX}')))
            for tmp in sorted(stale):
                os.remove(tmp)

    def _is_local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    @contextlib.contextmanager
    def _transaction(self, runner):
        """Inside: ``runner.save_checkpoint`` writes a temporary file renamed into place, and
        this hook's deletions wait; on leaving without error they are done. Re-entrant (the
        best-checkpoint save calls the regular one)."""
        if isinstance(self.file_backend, _DeferRemoval):
            yield
            return
        backend = self.file_backend
        deferred = self.file_backend = _DeferRemoval(backend)
        save = runner.save_checkpoint

        def atomic_save(out_dir, filename, *args, **kwargs):
            tmp = f'.{filename}.{os.getpid()}{TMP_SUFFIX}'
            save(out_dir, tmp, *args, **kwargs)
            if is_main_process():  # Runner.save_checkpoint writes on the main process only
                _fsync(osp.join(out_dir, tmp))
                os.replace(osp.join(out_dir, tmp), osp.join(out_dir, filename))

        runner.save_checkpoint = atomic_save
        try:
            yield
        finally:
            del runner.save_checkpoint  # the instance attribute; the Runner method is back
            self.file_backend = backend
        for op, path in deferred.pending:
            if op == 'remove' and backend.isfile(path):
                backend.remove(path)
            elif op == 'rmtree' and backend.isdir(path):
                backend.rmtree(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        """mmengine's bookkeeping in a crash-safe order: write the checkpoint, then
        ``last_checkpoint``, then delete what ``max_keep_ckpts`` no longer keeps."""
        if not self._is_local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        with self._transaction(runner):
            if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                                and self.keep_ckpt_ids[-1] == step):
                if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                    old = self.file_backend.join_path(
                        self.out_dir, self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
                    if is_main_process():
                        self.file_backend.remove(old)  # deferred to the end of the transaction
                self.keep_ckpt_ids.append(step)
                runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
            self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                         self.filename_tmpl.format(step))
            runner.message_hub.update_info('last_ckpt', self.last_ckpt)
            runner.save_checkpoint(
                self.out_dir, osp.basename(self.last_ckpt), self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
            if is_main_process():
                atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self._is_local():
            return super()._save_best_checkpoint(runner, metrics)
        with self._transaction(runner):
            super()._save_best_checkpoint(runner, metrics)

