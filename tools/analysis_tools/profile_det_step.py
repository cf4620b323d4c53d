"""Per phase time, aten ops and host syncs of DETR training steps (see
:mod:`mmlife.analysis.det_step_profile`).

    python tools/analysis_tools/profile_det_step.py CONFIG [--cfg-options K=V ...]
        [--batch-size N] [--iters N] [--warmup N] [--amp {none,fp16,bf16}] [--synthetic]
        [--device DEV] [--out JSON]

``--synthetic`` feeds random images and boxes of the train pipeline's size (no dataset needed).
"""
import argparse

import mmengine
from mmengine.config import DictAction

from mmlife.analysis.det_step_profile import profile_det_step, table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config entries, e.g. model.backbone.img_size=128')
    parser.add_argument('--batch-size', type=int, help='train batch size (default: config)')
    parser.add_argument('--iters', type=int, default=10, help='timed steps')
    parser.add_argument('--warmup', type=int, default=3, help='untimed steps first')
    parser.add_argument('--amp', choices=('none', 'fp16', 'bf16'), default='none')
    parser.add_argument('--synthetic', action='store_true',
                        help='random images and boxes instead of the train dataloader')
    parser.add_argument('--device', help='default: cuda if available, else cpu')
    parser.add_argument('--out', help='write the numbers as JSON here')
    args = parser.parse_args(argv)
    result = profile_det_step(args.config, args.cfg_options, args.batch_size, args.iters,
                              args.warmup, args.amp, args.synthetic, args.device)
    print(table(result))
    if args.out:  # mmengine's dump: JSON by the suffix, parent folders made
        mmengine.dump(result, args.out, indent=1)


if __name__ == '__main__':
    main()
