"""stack_collate: default_collate's batch, and an error naming the file of an odd-sized image."""
import pytest
import torch
from mmengine.dataset import default_collate
from mmpretrain.structures import DataSample

from mmlife.datasets import stack_collate


def sample(path, h, w, label=0):
    ds = DataSample(metainfo=dict(img_path=path)).set_gt_label(label)
    inputs = torch.arange(3 * h * w, dtype=torch.uint8).reshape(3, h, w)
    return dict(inputs=inputs, data_samples=ds)


def test_same_batch_as_default_collate():
    batch = [sample(f'{i}.png', 32, 32, i) for i in range(3)]
    out, ref = stack_collate(batch), default_collate(batch)
    assert torch.equal(out['inputs'], ref['inputs']) and out['inputs'].shape == (3, 3, 32, 32)
    assert [d.gt_label.item() for d in out['data_samples']] == [0, 1, 2]


def test_odd_sized_image_is_named():
    batch = [sample('a/0.png', 32, 32), sample('test/cat/odd.png', 40, 32),
             sample('b/2.png', 32, 32)]
    with pytest.raises(RuntimeError):  # what default_collate says: no file
        default_collate(batch)
    with pytest.raises(ValueError, match=r'1 of 3 differ from \(3, 32, 32\).*test/cat/odd.png '
                                         r'\(3, 40, 32\).*Resize'):
        stack_collate(batch)
