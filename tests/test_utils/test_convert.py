"""tools/model_converters/cls2backbone.py (mmlife.utils.convert): a checkpoint of the Imagenette
classifier becomes the init file that every *-imagenette-pre detection and segmentation config
loads through its ``init_cfg``, with no missing or unexpected key and the position embedding
resized to the config's grid."""
import glob
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

from conftest import REPO, load_tool, make_classifier_checkpoint

PRE_CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/detection/detr/*-imagenette-pre_*.py')) +
    glob.glob(osp.join(REPO, 'configs/segmentation/linear/*_imagenette-pre_*.py')))
ARM = {False: 'deit-tiny', True: 'deit-tiny-life'}


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools', 'model_converters', 'cls2backbone.py')


@pytest.fixture(scope='module')
def converted(tmp_path_factory, tool):
    """{use_life: (classifier checkpoint, its state dict, converted file, converter summary)}"""
    tmp = tmp_path_factory.mktemp('cls2backbone')
    out = {}
    for life in (False, True):
        src, state = make_classifier_checkpoint(tmp / f'{ARM[life]}_epoch_100.pth', life)
        dst = tmp / 'pretrain' / f'{ARM[life]}_imagenette_backbone.pth'
        out[life] = (src, state, str(dst), tool.main([src, str(dst)]))
    return out


def backbone_weights(state):
    return {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}


def test_the_pre_configs():
    names = sorted(osp.basename(p) for p in PRE_CONFIGS)
    assert len(names) == 6, names  # BCCD, Groceries and CamVid pairs


@pytest.mark.parametrize('life', [False, True])
def test_converted_file_holds_the_backbone_only(converted, life):
    src, state, dst, summary = converted[life]
    out = torch.load(dst, map_location='cpu', weights_only=True)
    assert set(out) == {'state_dict', 'meta'}
    expected = [k for k in state if k.startswith('backbone.')]
    assert list(out['state_dict']) == expected == summary['kept']
    assert all(torch.equal(out['state_dict'][k], state[k]) for k in expected)
    assert summary['dropped'] == ['head.layers.head.weight', 'head.layers.head.bias']
    assert sorted(summary['dropped_entries']) == ['message_hub', 'optimizer', 'param_schedulers']
    assert any('.attn.qkv.life.' in k for k in expected) == life
    meta = out['meta']
    assert meta['epoch'] == 100 and meta['converted_from'] == osp.basename(src)
    assert 'dataset_meta' not in meta  # only plain values are kept
    assert osp.getsize(dst) < osp.getsize(src) / 2.5  # no AdamW moments (2 x the weights), no head


def expected_pos_embed(pos, grid, mode):
    """The 14 x 14 position grid of a 224 px classifier resized to ``grid`` (cls token first)."""
    cls_tok, patches = pos[:, :1], pos[:, 1:]
    img = patches.reshape(1, 14, 14, -1).permute(0, 3, 1, 2)
    img = F.interpolate(img, size=grid, mode=mode, align_corners=False)
    return torch.cat([cls_tok, img.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1], -1)], 1)


def build_backbone(backbone_cfg):
    import mmlife.models  # noqa: F401
    from mmpretrain.registry import MODELS
    return MODELS.build(dict(backbone_cfg))


@pytest.mark.parametrize('config', PRE_CONFIGS, ids=osp.basename)
def test_pre_config_loads_the_converted_backbone(converted, config):
    cfg = Config.fromfile(config)
    bcfg = cfg.model.backbone
    life = bcfg.use_life
    _, state, dst, _ = converted[life]
    init = bcfg.init_cfg
    assert init.type == 'Pretrained' and init.prefix == 'backbone.'
    assert init.checkpoint == f'pretrain/{osp.basename(dst)}'  # the converter's output name

    # strict: every key of the config's backbone, and nothing else (the position embedding is
    # resized by the backbone's load hook from 14 x 14 to the input grid)
    strict = build_backbone(dict(bcfg, init_cfg=None))
    strict.load_state_dict(_load_checkpoint_with_prefix('backbone.', dst), strict=True)

    # the config's own init_cfg path (mmengine's PretrainedInit, as the runner calls it)
    backbone = build_backbone(dict(bcfg, init_cfg=dict(init, checkpoint=dst)))
    backbone.init_weights()
    size = bcfg.img_size if isinstance(bcfg.img_size, (tuple, list)) else (bcfg.img_size, ) * 2
    grid = (size[0] // 16, size[1] // 16)  # 32 x 32 for DETR at 512, 22 x 30 for CamVid crops
    want = backbone_weights(state)
    got = backbone.state_dict()
    assert set(got) == set(want)
    for k, v in want.items():
        if k == 'pos_embed':
            ref = expected_pos_embed(v, grid, bcfg.get('interpolate_mode', 'bicubic'))
            assert got[k].shape == (1, 1 + grid[0] * grid[1], 192)
            torch.testing.assert_close(got[k], ref)
            torch.testing.assert_close(strict.state_dict()[k], ref)
        else:
            assert torch.equal(got[k], v), k


def test_check_config_refuses_a_life_checkpoint_for_a_plain_backbone(converted, tool, tmp_path):
    src = converted[True][0]
    plain = [p for p in PRE_CONFIGS if not Config.fromfile(p).model.backbone.use_life][0]
    dst = tmp_path / 'out.pth'
    with pytest.raises(ValueError, match=r'unexpected keys \[.*attn\.qkv\.life'):
        tool.main([src, str(dst), '--check-config', plain])
    assert not dst.exists()
    tool.main([converted[False][0], str(dst), '--check-config', plain])  # the right one loads
    assert dst.is_file()


def test_bad_inputs(tmp_path, tool):
    from mmlife.utils.convert import classifier_to_backbone
    detector_like = tmp_path / 'detector.pth'
    torch.save(dict(state_dict={'encoder.layers.0.weight': torch.zeros(2)}), detector_like)
    with pytest.raises(ValueError, match=r"No key .* starts with 'backbone\.'.*encoder"):
        tool.main([str(detector_like), str(tmp_path / 'out.pth')])
    with pytest.raises(ValueError, match='overwrite'):
        tool.main([str(detector_like), str(detector_like)])
    with pytest.raises(ValueError, match='not tensors'):
        classifier_to_backbone({'backbone.x': 1.0})
    # a bare state dict is accepted too
    out = classifier_to_backbone({'backbone.w': torch.ones(1), 'head.w': torch.ones(1)})
    assert list(out['state_dict']) == ['backbone.w'] and out['meta'] == {}


def ema_run_checkpoint(path):
    """A checkpoint as mmengine's EMAHook saves it (the average in state_dict, the trained
    weights in ema_state_dict), and the trained and averaged backbone weights."""
    from mmengine.hooks import EMAHook
    torch.manual_seed(0)
    model = torch.nn.Module()
    model.backbone, model.head = torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
    hook = EMAHook(momentum=0.5)
    runner = type('R', (), {'model': model})()
    hook.before_run(runner)
    for _ in range(3):  # train a little, averaging as the hook does after each iteration
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        hook.ema_model.update_parameters(model)
    trained = {k: v.clone() for k, v in model.state_dict().items()}
    averaged = {k: v.clone() for k, v in hook.ema_model.module.state_dict().items()}
    checkpoint = dict(state_dict=model.state_dict(), meta=dict(epoch=3))
    hook.before_save_checkpoint(runner, checkpoint)
    torch.save(checkpoint, path)
    return trained, averaged


def test_ema_checkpoint_converts_the_ema_or_the_trained_weights(tmp_path, tool):
    src = tmp_path / 'epoch_3.pth'
    trained, averaged = ema_run_checkpoint(src)
    assert not torch.equal(trained['backbone.weight'], averaged['backbone.weight'])
    for weights, expected in (('state_dict', averaged), ('trained', trained)):
        dst = tmp_path / f'{weights}.pth'
        tool.main([str(src), str(dst), '--weights', weights])
        out = torch.load(dst, map_location='cpu', weights_only=True)
        assert sorted(out['state_dict']) == ['backbone.bias', 'backbone.weight']
        for k, v in out['state_dict'].items():
            assert torch.equal(v, expected[k]), (weights, k)
        assert out['meta']['weights'] == {'state_dict': 'ema', 'trained': 'trained'}[weights]


def test_trained_weights_need_an_ema_checkpoint(converted):
    from mmengine.runner import CheckpointLoader

    import mmlife.utils.checkpoint  # noqa: F401  (weights_only loading with mmengine's types)
    from mmlife.utils.convert import classifier_to_backbone, trained_weights
    checkpoint = CheckpointLoader.load_checkpoint(converted[False][0], map_location='cpu')
    with pytest.raises(ValueError, match='no ema_state_dict.*trained without EMAHook'):
        classifier_to_backbone(checkpoint, weights='trained')
    with pytest.raises(ValueError, match="weights must be 'state_dict' or 'trained'"):
        classifier_to_backbone(checkpoint, weights='ema')
    mismatched = dict(checkpoint, ema_state_dict={'module.backbone.other': torch.zeros(1)})
    with pytest.raises(ValueError, match='does not match state_dict'):
        trained_weights(mismatched)


def test_drop_ema_resumes_from_the_trained_weights(tmp_path):
    """tools/model_converters/drop_ema.py: the trained weights become state_dict, the EMA goes,
    and mmpretrain's EMAHook, resuming, starts its average from the trained weights."""
    from mmpretrain.engine.hooks import EMAHook

    tool = load_tool('tools', 'model_converters', 'drop_ema.py')
    src, dst = tmp_path / 'epoch_3.pth', tmp_path / 'epoch_3_no_ema.pth'
    trained, averaged = ema_run_checkpoint(src)
    assert tool.main([str(src), str(dst)]) == len(trained)
    out = torch.load(dst, map_location='cpu', weights_only=True)
    assert 'ema_state_dict' not in out and out['meta'] == dict(epoch=3, ema_dropped=True)
    assert sorted(out['state_dict']) == sorted(trained)
    for k, v in out['state_dict'].items():
        assert torch.equal(v, trained[k]), k

    torch.manual_seed(1)  # a fresh model, as a resumed run builds it
    model = torch.nn.Module()
    model.backbone, model.head = torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
    runner = type('R', (), {'model': model, '_resume': True})()
    hook = EMAHook(momentum=5e-4)
    hook.before_run(runner)
    hook.after_load_checkpoint(runner, out)  # what Runner.resume calls, then loads state_dict
    model.load_state_dict(out['state_dict'])
    for k, v in hook.ema_model.module.state_dict().items():
        assert torch.equal(v, trained[k]) and not torch.equal(v, averaged[k]), k
    for k, v in model.state_dict().items():
        assert torch.equal(v, trained[k]), k


def test_drop_ema_bad_inputs(tmp_path, converted):
    tool = load_tool('tools', 'model_converters', 'drop_ema.py')
    src = tmp_path / 'epoch_3.pth'
    ema_run_checkpoint(src)
    with pytest.raises(ValueError, match='overwrite'):
        tool.main([str(src), str(src)])
    with pytest.raises(ValueError, match='no ema_state_dict'):  # trained without EMAHook
        tool.main([converted[False][0], str(tmp_path / 'out.pth')])
    assert not (tmp_path / 'out.pth').exists()
