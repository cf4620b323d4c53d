"""Evaluate a checkpoint on a config's test set (classification, detection or segmentation).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--cfg-options k=v]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [...]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

import mmlife  # noqa: F401  (checkpoint allowlist for torch >= 2.6)
from mmlife.utils import (check_cfg_options, check_data_roots, check_runner_load_from,
                          destroy_distributed, setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument('--out', help='dump the predictions to this pickle file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs; keys must exist in the config '
        '(write +key=value to add a new one)')
    parser.add_argument('--allow-partial', action='store_true',
                        help='evaluate even if the checkpoint\'s keys or shapes differ from the '
                        'model (logged); by default that is an error')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(check_cfg_options(cfg, args.cfg_options))
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError('--out must be a .pkl file')
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    check_data_roots(cfg, ['test_dataloader'])
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    check_runner_load_from(runner, args.allow_partial)
    metrics = runner.test()
    if is_main_process():  # every rank has the gathered metrics: print them once
        print(metrics)
    destroy_distributed()


if __name__ == '__main__':
    main()
