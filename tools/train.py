"""Train a classification, detection or segmentation model of mmlife (or of the stock libraries).

The config's ``default_scope`` (mmpretrain, mmdet, mmseg) picks the library; mmlife's modules are
registered through the config's ``custom_imports``. Flags follow the OpenMMLab tools.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT] | --overwrite] [--amp]
        [--cfg-options k=v]
    bash tools/dist_train.sh CONFIG GPUS [...]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.engine import check_work_dir
from mmlife.utils import (check_cfg_options, check_data_roots, check_runner_load_from,
                          check_schedule, destroy_distributed, setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir when '
        'no path is given')
    parser.add_argument('--overwrite', action='store_true',
                        help='start a new training in a work dir that holds checkpoints')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the real batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='do not keep dataloader workers alive between epochs')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs, e.g. train_cfg.max_epochs=10; '
        'keys must exist in the config (write +key=value to add a new one)')
    parser.add_argument('--allow-partial', action='store_true',
                        help='load a load_from checkpoint whose keys or shapes differ from the '
                        'model (logged); by default that is an error')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs OptimWrapper or AmpOptimWrapper, got {optim_wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.no_persistent_workers:
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if cfg.get(name):
                cfg[name]['persistent_workers'] = False
    return cfg


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    args.cfg_options = check_cfg_options(cfg, args.cfg_options)
    cfg = merge_args(cfg, args)
    check_schedule(cfg)
    check_data_roots(cfg, ['train_dataloader', 'val_dataloader'])
    check_work_dir(cfg.work_dir, cfg.resume, cfg.load_from, args.overwrite)
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    check_runner_load_from(runner, args.allow_partial)
    runner.train()
    destroy_distributed()


if __name__ == '__main__':
    main()
