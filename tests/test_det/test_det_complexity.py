"""mmlife.analysis.complexity on DETR configs against multiply-adds counted by hand (64 x 64)."""
import pytest

from det_helpers import config_path, single_thread  # noqa: F401
from mmlife.analysis.complexity import complexity, input_shape

pytestmark = pytest.mark.usefixtures('single_thread')


def test_counts_match_hand_counts():
    none, linear = (complexity(config_path('deit-tiny', v), shape=(64, 64))
                    for v in ('encdec', 'encdec-linear'))
    assert none['task'] == 'detection' and none['shape'] == (64, 64)
    n_tok, C, queries = 4 * 4, 256, 100  # 64 / 16 = 4 x 4 patches
    # attention matmuls QK^T and AV: backbone (12 layers, 3 heads of 64, 16 + cls tokens),
    # encoder (6 x 8 heads of 32 over 16 tokens), decoder self (100 queries) and cross
    attn = (12 * 3 * 17 * 17 * 128 + 6 * 8 * n_tok * n_tok * 64
            + 6 * 8 * queries * queries * 64 + 6 * 8 * queries * n_tok * 64)
    assert none['attn_macs'] == linear['attn_macs'] == attn
    # the Linear variant adds one C -> 3C projection per encoder token, and in the decoder
    # C -> 3C per query (self) and C -> C per query + C -> 2C per memory token (cross)
    n, li = none['parts'], linear['parts']
    assert li['encoder']['macs'] - n['encoder']['macs'] == 6 * n_tok * C * 3 * C
    assert li['decoder']['macs'] - n['decoder']['macs'] == 6 * (
        queries * C * 3 * C + queries * C * C + n_tok * C * 2 * C)
    assert linear['params'] - none['params'] == 18 * (C * 3 * C + 3 * C)
    assert li['encoder']['params'] - n['encoder']['params'] == 6 * (C * 3 * C + 3 * C)
    assert n['backbone']['macs'] == li['backbone']['macs'] > 0
    assert sum(p['macs'] for p in n.values()) == none['macs']
    assert sum(p['params'] for p in n.values()) == none['params']


def test_native_input_is_the_test_resize():
    from mmengine.config import Config
    assert input_shape(Config.fromfile(config_path('deit-tiny', 'encdec'))) == (512, 512)
