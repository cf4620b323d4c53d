"""--cfg-options keys are checked against the config; schedules that end before they begin are
refused with the schedule and the training length named."""
import os.path as osp

import pytest
from mmengine.config import Config, DictAction

from conftest import REPO, run_tool
from mmlife.utils import ConfigKeyError, check_cfg_options, check_schedule

CIFAR = osp.join(REPO, 'configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py')
BCCD = osp.join(REPO, 'configs/detection/detr/'
                'detr_deit-tiny-in1k-pre_encdec-life_1xb4-300e_bccd-512x512.py')
CAMVID = osp.join(REPO, 'configs/segmentation/linear/'
                  'linear_deit-tiny-life_1xb8-10k_camvid-352x480.py')
DEMO = osp.join(REPO, 'configs/classification/demo/deit-tiny-life_p8_1xb32_digits-demo.py')
OFFICIAL = osp.join(REPO, 'configs/classification/deit/deit-tiny-life_p4_8xb64-official_cifar10.py')
RESNET = osp.join(REPO, 'configs/classification/resnet/resnet18_1xb128_cifar10.py')
T2T = osp.join(REPO, 'configs/classification/t2t_vit/t2t-vit-12-life_8xb64_cifar10.py')
SWIN = osp.join(REPO, 'configs/classification/swinv2/swinv2-tiny-w8-life_p1_8xb64_cifar10.py')
CIFAR_OPTIONS = ['optim_wrapper.dtype=bfloat16', 'train_dataloader.batch_size=512',
                 'train_dataloader.num_workers=8', 'val_dataloader.batch_size=1000',
                 'val_dataloader.num_workers=2', 'train_cfg.max_epochs=100',
                 'train_cfg.val_interval=5', 'default_hooks.checkpoint.interval=10',
                 'default_hooks.logger.interval=20', 'randomness.seed=0']


def parse(*pairs):
    """``key=value`` strings as the tools' ``--cfg-options`` parses them."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


@pytest.fixture(scope='module')
def cifar():
    return Config.fromfile(CIFAR, import_custom_modules=False)


def test_typo_is_an_error_with_did_you_mean(cifar):
    with pytest.raises(ConfigKeyError, match="the config has no key 'trian_cfg'. Did you mean "
                       "'train_cfg'"):
        check_cfg_options(cifar, parse('trian_cfg.max_epochs=1'))
    with pytest.raises(ConfigKeyError, match="train_cfg has no key 'max_epoch'.*'max_epochs'"):
        check_cfg_options(cifar, parse('train_cfg.max_epoch=1'))
    # the message states the rule and the way out
    with pytest.raises(ConfigKeyError, match=r'prefix it with "\+"'):
        check_cfg_options(cifar, parse('trian_cfg.max_epochs=1'))


def test_near_miss_inside_a_constructor_dict_is_an_error(cifar):
    with pytest.raises(ConfigKeyError, match="'data_rot'.*Did you mean 'data_root'"):
        check_cfg_options(cifar, parse('train_dataloader.dataset.data_rot=x'))


def test_list_indices(cifar):
    assert check_cfg_options(cifar, parse('param_scheduler.0.end=2')) == {
        'param_scheduler.0.end': 2}
    with pytest.raises(ConfigKeyError, match='list of 2 items'):
        check_cfg_options(cifar, parse('param_scheduler.5.end=2'))
    with pytest.raises(ConfigKeyError, match='list of 2 items'):
        check_cfg_options(cifar, parse('param_scheduler.first.end=2'))


def test_new_constructor_argument_and_plus_prefix(cifar):
    # a new keyword argument of something built from a 'type' (and of optim_wrapper)
    assert check_cfg_options(cifar, parse('model.backbone.drop_rate=0.1', 'optim_wrapper.dtype=x'))
    # a new key elsewhere needs '+', which is removed
    with pytest.raises(ConfigKeyError, match="train_cfg has no key 'dynamic_intervals'"):
        check_cfg_options(cifar, parse('train_cfg.dynamic_intervals=1'))
    assert check_cfg_options(cifar, parse('+train_cfg.dynamic_intervals=1', '+brand_new=2')) == {
        'train_cfg.dynamic_intervals': 1, 'brand_new': 2}
    with pytest.raises(ConfigKeyError, match='not a dict'):
        check_cfg_options(cifar, parse('train_cfg.max_epochs.x=1'))
    assert check_cfg_options(cifar, None) is None


@pytest.mark.parametrize('config, options', [
    (CIFAR, CIFAR_OPTIONS), (T2T, CIFAR_OPTIONS), (SWIN, CIFAR_OPTIONS),
    (BCCD, ['train_cfg.max_epochs=300', 'train_cfg.val_interval=10', 'param_scheduler.0.end=300',
            'param_scheduler.0.milestones=[200]', 'default_hooks.checkpoint.interval=10',
            'randomness.seed=1']),
    (CAMVID, ['train_cfg.max_iters=10000', 'train_cfg.val_interval=1000',
              'param_scheduler.0.end=10000', 'default_hooks.checkpoint.interval=1000',
              'randomness.seed=2']),
    (DEMO, ['train_cfg.max_epochs=20', 'train_cfg.val_interval=20', 'param_scheduler.1.end=20',
            'default_hooks.checkpoint.interval=20']),
    # the official recipe, validating the EMA too (a hook of a list, by index)
    (OFFICIAL, ['train_cfg.max_epochs=300', 'default_hooks.checkpoint.interval=1',
                'custom_hooks.1.evaluate_on_ema=True']),
    (T2T.replace('_cifar10', '-official_cifar10'), CIFAR_OPTIONS + [
        'custom_hooks.1.evaluate_on_ema=True']),
    (SWIN.replace('_cifar10', '-official_cifar10'), CIFAR_OPTIONS + [
        'custom_hooks.1.evaluate_on_ema=True']),
    (RESNET, ['optim_wrapper.dtype=bfloat16', 'train_dataloader.num_workers=7',
              'val_dataloader.batch_size=1000', 'default_hooks.logger.interval=50']),
])
def test_the_repos_own_overrides_pass(config, options):
    """tools/dev/real_data.sh, tools/dev/multi_gpu.sh and tools/demo.py pass these."""
    cfg = Config.fromfile(config, import_custom_modules=False)
    opts = check_cfg_options(cfg, parse(*options))
    cfg.merge_from_dict(opts)
    check_schedule(cfg)


def test_warm_up_longer_than_training_is_named():
    cfg = Config.fromfile(DEMO, import_custom_modules=False)
    cfg.merge_from_dict(parse('train_cfg.max_epochs=1', 'param_scheduler.1.end=1'))
    with pytest.raises(ValueError, match=r'param_scheduler\[1\] \(CosineAnnealingLR\) begins at '
                       r'epoch 1 and ends at 1.*max_epochs=1.*param_scheduler\[0\] \(LinearLR, '
                       r'epochs 0-1\).*param_scheduler.0.end=N param_scheduler.1.begin=N'):
        check_schedule(cfg)
    cfg = Config.fromfile(DEMO, import_custom_modules=False)
    cfg.merge_from_dict(parse('train_cfg.max_epochs=1'))
    with pytest.warns(UserWarning, match=r'param_scheduler\[1\].*never runs'):
        check_schedule(cfg)


def test_iteration_schedules_are_compared_with_max_iters():
    cfg = Config.fromfile(CAMVID, import_custom_modules=False)
    cfg.merge_from_dict(parse('param_scheduler.0.begin=20000'))
    with pytest.raises(ValueError, match='begins at iteration 20000 and ends at 10000.*'
                       'max_iters=10000'):
        check_schedule(cfg)


def test_train_tool_refuses_a_typo(tmp_path):
    with pytest.raises(AssertionError) as err:
        run_tool(['tools/train.py', DEMO, '--work-dir', str(tmp_path),
                  '--cfg-options', 'trian_cfg.max_epochs=1'])
    assert "has no key 'trian_cfg'. Did you mean 'train_cfg'" in str(err.value)
    assert not list(tmp_path.iterdir())  # refused before the runner made anything
