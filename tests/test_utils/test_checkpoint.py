"""mmengine checkpoints load with weights_only=True through the allowlist; others are refused."""
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

import mmlife  # noqa: F401  (registers the allowlist)
from mmlife.utils import UnsafeCheckpointError


class NotAllowed:
    pass


def test_mmengine_objects_round_trip(tmp_path):
    hub = MessageHub.get_instance('mmlife-test-ckpt')
    for v in (1.0, 2.0, 3.0):
        hub.update_scalar('train/loss', v)
    hub.update_info('seed', np.int64(7))
    ckpt = dict(
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        meta=dict(seed=np.int64(7), arr=np.arange(3), dtype=np.dtype('float32')))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    # the pickle really holds what torch >= 2.6 refuses by default
    import zipfile
    with zipfile.ZipFile(path) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith('data.pkl')))
    assert b'HistoryBuffer' in pkl and b'getattr' in pkl and b'ndarray' in pkl
    loaded = CheckpointLoader.load_checkpoint(str(path))
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.mean() == 2.0
    assert loaded['meta']['seed'] == 7 and loaded['meta']['arr'].tolist() == [0, 1, 2]


def test_disallowed_object_is_refused_clearly(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'obj': NotAllowed()}, path)
    with pytest.raises(UnsafeCheckpointError, match='Refusing to load.*NotAllowed'):
        CheckpointLoader.load_checkpoint(str(path))


def test_getattr_is_restricted(tmp_path):
    import pickle
    from mmlife.utils.checkpoint import _history_buffer_getattr
    assert _history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        _history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        _history_buffer_getattr(torch, 'load')


@pytest.mark.parametrize('content, match', [
    (b'', 'it is empty \\(0 bytes\\)'),
    (bytes(range(7, 256)) * 40, 'it is neither a zip archive'),
    (b'\x80' + bytes(range(256)) * 4, 'its pickle is damaged \\(Unsupported operand'),
])
def test_corrupt_files_say_so(tmp_path, content, match):
    from mmlife.utils import CorruptCheckpointError
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    with pytest.raises(CorruptCheckpointError, match=f'bad.pth is not a readable checkpoint: '
                       f'{match}.*earlier epoch_'):
        CheckpointLoader.load_checkpoint(str(path))


def test_truncated_checkpoint_says_so(tmp_path):
    from mmlife.utils import CorruptCheckpointError
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.randn(1000)}}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # a copy or a save cut short
    with pytest.raises(CorruptCheckpointError, match='not a readable checkpoint.*truncated'):
        CheckpointLoader.load_checkpoint(str(path))


def test_empty_path_names_last_checkpoint():
    with pytest.raises(FileNotFoundError, match='checkpoint path is empty.*last_checkpoint'):
        CheckpointLoader.load_checkpoint('')
