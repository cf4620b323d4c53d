"""Train a detection config on a few fixed images and check that it fits them (see
:mod:`mmlife.analysis.det_overfit`): recall of their boxes, distinct boxes in eval vs train
mode, spread of the decoder output across queries, and a verdict.

    python tools/analysis_tools/det_overfit.py CONFIG [--num-images 4] [--iters 300]
        [--size 160] [--lr 1e-4] [--backbone-lr-mult 1.0] [--cfg-options K=V ...] [--seed 0]
        [--device cpu|cuda] [--synthetic] [--out JSON]

``--synthetic`` trains on images of coloured rectangles instead of the train set (no data needed).
"""
import argparse

import mmengine
from mmengine.config import DictAction

from mmlife.analysis.det_overfit import det_overfit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--num-images', type=int, default=4, help='images in the fixed batch')
    parser.add_argument('--iters', type=int, default=300, help='training steps on the batch')
    parser.add_argument('--size', type=int, default=160,
                        help='input size: backbone img_size and the pipeline Resize (square)')
    parser.add_argument('--lr', type=float, default=1e-4, help='optimizer lr')
    parser.add_argument('--backbone-lr-mult', type=float, default=1.0,
                        help="lr_mult of paramwise_cfg.custom_keys['backbone']")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config entries (applied last), e.g. '
                        'model.decoder.layer_cfg.ffn_cfg.ffn_drop=0.1')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', choices=('cpu', 'cuda'),
                        help='default: cuda if available, else cpu')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='predictions with at least this score count for the recall')
    parser.add_argument('--log-interval', type=int, help='iterations between progress lines')
    parser.add_argument('--synthetic', action='store_true',
                        help='coloured rectangles as objects instead of the train set')
    parser.add_argument('--out', help='write the report as JSON here')
    args = parser.parse_args(argv)
    report = det_overfit(args.config, args.num_images, args.iters, args.size, args.lr,
                         args.backbone_lr_mult, args.cfg_options, args.seed, args.device,
                         args.synthetic, score_thr=args.score_thr,
                         log_interval=args.log_interval)
    if args.out:  # mmengine's dump: JSON by the suffix, parent folders made
        mmengine.dump(report, args.out, indent=1)
    return report


if __name__ == '__main__':
    main()
