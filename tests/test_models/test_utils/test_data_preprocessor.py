"""BatchLabelClsDataPreprocessor against mmpretrain's ClsDataPreprocessor (the reference)."""
import numpy as np
import pytest
import torch
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.structures import DataSample
from torch.utils._python_dispatch import TorchDispatchMode

from mmlife.models.utils import BatchLabelClsDataPreprocessor

NUM_CLASSES = 5
KWARGS = dict(num_classes=NUM_CLASSES, mean=[120., 110., 100.], std=[60., 50., 40.], to_rgb=True)
AUGMENTS = dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)])


def make_batch(labels, size=6, seed=0):
    """A batch as mmpretrain's default_collate gives it: stacked uint8 images, DataSamples."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, 256, (len(labels), 3, size, size), generator=gen, dtype=torch.uint8)
    samples = [DataSample().set_gt_label(label) for label in labels]
    return dict(inputs=inputs, data_samples=samples)


def run(preprocessor, batch, training, seed=1):
    torch.manual_seed(seed)
    np.random.seed(seed)
    return preprocessor(batch, training=training)


def assert_same(ours, ref):
    torch.testing.assert_close(ours['inputs'], ref['inputs'], rtol=0, atol=0)
    assert len(ours['data_samples']) == len(ref['data_samples'])
    for a, b in zip(ours['data_samples'], ref['data_samples']):
        assert set(a.keys()) == set(b.keys())
        assert a.metainfo == b.metainfo
        for key in b.keys():
            torch.testing.assert_close(a.get(key), b.get(key), rtol=0, atol=0)  # dtype too


@pytest.mark.parametrize('to_onehot, augments, training', [
    (False, None, True),
    (True, None, True),
    (False, AUGMENTS, False),  # batch augments imply one-hot scores; none at test time
    (False, AUGMENTS, True),   # Mixup or CutMix, with the same random draws as the stock path
])
def test_same_outputs_as_stock(to_onehot, augments, training):
    labels = [3, 0, 4, 4, 1, 2, 0, 3]
    kwargs = dict(KWARGS, to_onehot=to_onehot, batch_augments=augments)
    for seed in range(3):
        ours = run(BatchLabelClsDataPreprocessor(**kwargs), make_batch(labels), training, seed)
        ref = run(ClsDataPreprocessor(**kwargs), make_batch(labels), training, seed)
        assert_same(ours, ref)
        if to_onehot or augments:
            assert ours['data_samples'][0].gt_score.shape == (NUM_CLASSES, )


@pytest.mark.parametrize('labels', [
    [[0, 2], [1], [4, 3, 0]],  # multi-label samples
    [[], [1], [2]],            # a sample without a label
])
def test_other_batches_take_the_stock_path(labels):
    kwargs = dict(KWARGS, to_onehot=True)
    ours = run(BatchLabelClsDataPreprocessor(**kwargs), make_batch(labels), False)
    ref = run(ClsDataPreprocessor(**kwargs), make_batch(labels), False)
    assert_same(ours, ref)


def test_no_data_samples():
    batch = make_batch([1, 2])
    del batch['data_samples']
    ours = BatchLabelClsDataPreprocessor(**KWARGS)(batch)
    torch.testing.assert_close(ours['inputs'], ClsDataPreprocessor(**KWARGS)(batch)['inputs'])
    assert ours['data_samples'] is None


class CountOps(TorchDispatchMode):

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize('cls, grows', [(BatchLabelClsDataPreprocessor, False),
                                        (ClsDataPreprocessor, True)])
def test_tensor_ops_do_not_grow_with_the_batch(cls, grows):
    """The point of the class: a constant number of tensor operations per batch."""
    counts = []
    for batch_size in (4, 32):
        batch = make_batch([i % NUM_CLASSES for i in range(batch_size)])
        with CountOps() as ops:
            cls(**KWARGS, to_onehot=True)(batch)
        counts.append(ops.count)
    assert (counts[1] > counts[0]) == grows, counts


@pytest.mark.parametrize('labels', [[0, NUM_CLASSES], [-1, 2]])
def test_labels_out_of_range(labels):
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 5\)'):
        BatchLabelClsDataPreprocessor(**KWARGS, to_onehot=True)(make_batch(labels))


def test_one_hot_needs_num_classes():
    kwargs = dict(KWARGS, num_classes=None, to_onehot=True)
    with pytest.raises(ValueError, match='num_classes'):
        BatchLabelClsDataPreprocessor(**kwargs)(make_batch([0, 1]))


def test_built_from_the_classification_configs():
    """The configs' pre-processor, with the DeiT recipe's Mixup / CutMix, as the Runner builds it."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mmlife.models  # noqa: F401
    cfg = Config.fromfile('configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py')
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)  # as mmengine's Runner
    preprocessor = MODELS.build(cfg.model).data_preprocessor
    assert type(preprocessor) is BatchLabelClsDataPreprocessor
    assert preprocessor.batch_augments is not None


def test_non_blocking_by_default():
    assert BatchLabelClsDataPreprocessor(**KWARGS)._non_blocking is True
    assert BatchLabelClsDataPreprocessor(**KWARGS, non_blocking=False)._non_blocking is False


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_no_host_sync_on_cuda():
    """The batch reaches the GPU and becomes one-hot scores without a device sync."""
    preprocessor = BatchLabelClsDataPreprocessor(**KWARGS, to_onehot=True).cuda()
    batch = make_batch([i % NUM_CLASSES for i in range(64)])
    preprocessor(make_batch([0, 1]), training=True)  # CUDA context and kernels loaded
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        out = preprocessor(batch, training=True)
    finally:
        torch.cuda.set_sync_debug_mode('default')
    ref = ClsDataPreprocessor(**KWARGS, to_onehot=True)(make_batch(
        [i % NUM_CLASSES for i in range(64)]), training=True)
    torch.testing.assert_close(out['inputs'].cpu(), ref['inputs'], rtol=0, atol=1e-6)
    torch.testing.assert_close(out['data_samples'][5].gt_score.cpu(),
                               ref['data_samples'][5].gt_score, rtol=0, atol=0)


def test_stays_eager_under_torch_compile():
    # mmengine's compile=True compiles train_step, pre-processor included: its random batch
    # augments and host-side label checks stay out of the graph (torch 2.11's inductor failed
    # on Mixup's randperm indexing), with the same outputs as without compiling
    pre = BatchLabelClsDataPreprocessor(**KWARGS, batch_augments=AUGMENTS)
    labels = [3, 0, 4, 4, 1, 2, 0, 3]
    explanation = torch._dynamo.explain(lambda batch: pre(batch, training=True))(
        make_batch(labels))
    assert explanation.graph_count == 0
    compiled = torch.compile(lambda batch: pre(batch, training=True), backend='eager')
    for seed in range(3):
        torch.manual_seed(seed)
        np.random.seed(seed)
        assert_same(compiled(make_batch(labels)), run(pre, make_batch(labels), True, seed))
