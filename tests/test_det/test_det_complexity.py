"""tools/analysis_tools/det_complexity.py against multiply-adds counted by hand (64 x 64 input)."""
import pytest

from conftest import load_tool
from det_helpers import config_path, single_thread  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')


def load_det_complexity():
    return load_tool('tools', 'analysis_tools', 'det_complexity.py')


def test_counts_match_hand_counts():
    tool = load_det_complexity()
    none, linear = (tool.complexity(config_path('deit-tiny', v), shape=(64, 64))
                    for v in ('encdec', 'encdec-linear'))
    n_tok, C, queries = 4 * 4, 256, 100  # 64 / 16 = 4 x 4 patches
    # attention matmuls QK^T and AV: backbone (12 layers, 3 heads of 64, 16 + cls tokens),
    # encoder (6 x 8 heads of 32 over 16 tokens), decoder self (100 queries) and cross
    attn = (12 * 3 * 17 * 17 * 128 + 6 * 8 * n_tok * n_tok * 64
            + 6 * 8 * queries * queries * 64 + 6 * 8 * queries * n_tok * 64)
    assert none['attn_macs'] == linear['attn_macs'] == attn
    # the Linear variant adds one C -> 3C projection per encoder token, and in the decoder
    # C -> 3C per query (self) and C -> C per query + C -> 2C per memory token (cross)
    assert linear['encoder_macs'] - none['encoder_macs'] == 6 * n_tok * C * 3 * C
    assert linear['decoder_macs'] - none['decoder_macs'] == 6 * (
        queries * C * 3 * C + queries * C * C + n_tok * C * 2 * C)
    assert linear['params'] - none['params'] == 18 * (C * 3 * C + 3 * C)
    assert none['backbone_macs'] == linear['backbone_macs'] > 0
    parts = sum(none[f'{p}_macs'] for p in tool.PARTS)
    assert parts == none['macs']
