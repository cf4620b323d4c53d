"""check_checkpoint: missing / unexpected keys and shape mismatches are errors (or logged with
allow_partial); NaN / Inf weights are refused; tools/test.py fails on them and logs why."""
import re

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from conftest import LogRecords, make_image_folder, run_tool, write_tiny_config
from mmlife.utils import CheckpointMismatchError, NonFiniteCheckpointError, check_checkpoint

ARCH = dict(embed_dims=24, num_layers=1, num_heads=2, feedforward_channels=48)


def vit(use_life=True, patch_size=4, img_size=16):
    init_default_scope('mmpretrain')
    import mmlife.models  # noqa: F401
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='LIFEVisionTransformer', arch=ARCH, img_size=img_size,
                      patch_size=patch_size, use_life=use_life),
        head=dict(type='VisionTransformerClsHead', num_classes=3, in_channels=24)))


def save(model, path, prefix=''):
    torch.save({'state_dict': {prefix + k: v for k, v in model.state_dict().items()}}, path)
    return str(path)


@pytest.fixture
def logger():
    logger = MMLogger.get_instance('mmlife-test-match', log_level='INFO')
    handler = LogRecords()
    logger.addHandler(handler)
    yield logger, handler.records
    logger.removeHandler(handler)


def test_matching_checkpoint_passes(tmp_path, logger):
    model = vit()
    check_checkpoint(model, save(model, tmp_path / 'a.pth', prefix='module.'), logger=logger[0])
    assert logger[1][-1][0] == 'INFO' and 'match the model' in logger[1][-1][1]


def test_life_checkpoint_in_plain_model_and_reverse(tmp_path, logger):
    life, plain = vit(True), vit(False)
    with pytest.raises(CheckpointMismatchError, match='qkv.weight.*not in the model.*qkv.life'
                       '.*of a LIFE model and the config builds a plain one.*--allow-partial'):
        check_checkpoint(plain, save(life, tmp_path / 'life.pth'), logger=logger[0])
    assert logger[1][-1][0] == 'ERROR'
    with pytest.raises(CheckpointMismatchError, match='of a plain model and the config builds a '
                       'LIFE one'):
        check_checkpoint(life, save(plain, tmp_path / 'plain.pth'), logger=logger[0])


def test_patch16_checkpoint_in_patch8_model(tmp_path, logger):
    p16, p8 = vit(patch_size=16, img_size=32), vit(patch_size=8, img_size=32)
    with pytest.raises(CheckpointMismatchError, match=re.escape(
            'backbone.patch_embed.projection.weight: checkpoint (24, 3, 16, 16) vs model '
            '(24, 3, 8, 8)') + '.*another patch size'):
        check_checkpoint(p8, save(p16, tmp_path / 'p16.pth'), logger=logger[0])


def test_position_embedding_of_another_grid_is_resized_not_refused(tmp_path, logger):
    """mmpretrain's ViT resizes a position embedding of another grid when it loads one (a load
    hook), so the check does not count it; the checkpoint itself is left as it is."""
    from mmlife.utils.checkpoint_match import as_loaded
    small, large = vit(img_size=16), vit(img_size=24)  # 4 x 4 and 6 x 6 patches
    check_checkpoint(large, save(small, tmp_path / 'small.pth'), logger=logger[0])
    assert logger[1][-1][0] == 'INFO' and 'match the model' in logger[1][-1][1]
    state = small.state_dict()
    loaded = as_loaded(large, state)
    assert state['backbone.pos_embed'].shape == (1, 17, 24)
    assert loaded['backbone.pos_embed'].shape == (1, 37, 24)
    cls_token = (loaded['backbone.pos_embed'][:, 0], state['backbone.pos_embed'][:, 0])
    torch.testing.assert_close(*cls_token)


def test_a_key_that_the_models_load_hook_drops_is_not_missing(tmp_path, logger):
    """SwinV2 (mmpretrain) drops the relative position tables from every state dict it loads and
    keeps the ones it built; its own checkpoint matches it."""
    from mmlife.utils.checkpoint_match import compare_state_dicts

    class Rebuilt(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)
            self.register_buffer('table', torch.arange(4.))
            self._register_load_state_dict_pre_hook(self.drop_table)

        def drop_table(self, state_dict, prefix, *args):
            state_dict.pop(prefix + 'table', None)

    model = torch.nn.Sequential(Rebuilt())
    assert compare_state_dicts(model, model.state_dict()) == ([], [], [])
    check_checkpoint(model, save(model, tmp_path / 'own.pth'), logger=logger[0])
    assert logger[1][-1][0] == 'INFO'
    without_linear = {k: v for k, v in model.state_dict().items() if 'linear' not in k}
    assert compare_state_dicts(model, without_linear)[0] == ['0.linear.bias', '0.linear.weight']


def test_allow_partial_logs_a_warning(tmp_path, logger):
    life, plain = vit(True), vit(False)
    check_checkpoint(plain, save(life, tmp_path / 'life.pth'), allow_partial=True,
                     logger=logger[0])
    level, msg = logger[1][-1]
    assert level == 'WARNING' and 'does not match' in msg and 'Loading what fits' in msg


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_weights_are_refused_even_with_allow_partial(tmp_path, logger, bad):
    model = vit()
    state = model.state_dict()
    state['head.layers.head.weight'][0, 0] = bad
    path = tmp_path / 'nan.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(NonFiniteCheckpointError, match='1 weight tensors hold NaN or Inf: '
                       'head.layers.head.weight'):
        check_checkpoint(model, str(path), allow_partial=True, logger=logger[0])


def test_test_tool_fails_on_a_mismatch_and_logs_it(tmp_path):
    data = make_image_folder(tmp_path / 'data', per_class=1)
    cfg = write_tiny_config(tmp_path, data)  # DeiT-LIFE (2 blocks)
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    import mmlife.models  # noqa: F401
    model_cfg = Config.fromfile(cfg, import_custom_modules=False).model
    model_cfg.backbone.use_life = False  # the plain model's checkpoint
    ckpt = save(MODELS.build(model_cfg), tmp_path / 'plain.pth')
    work = tmp_path / 'work'
    with pytest.raises(AssertionError) as err:
        run_tool(['tools/test.py', cfg, ckpt, '--work-dir', str(work)])
    assert 'CheckpointMismatchError' in str(err.value)
    logs = list(work.glob('*/*.log'))
    assert logs and 'of a plain model and the config builds a LIFE one' in logs[0].read_text()
    out = run_tool(['tools/test.py', cfg, ckpt, '--work-dir', str(work), '--allow-partial'])
    assert 'accuracy/top1' in out
