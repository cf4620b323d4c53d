"""How much do the tokens of a DETR-family detector differ, stage by stage (backbone, neck,
each encoder layer, memory, each decoder layer)? See :mod:`mmlife.analysis.det_feature_spread`.

    python tools/analysis_tools/det_feature_spread.py CONFIG [CHECKPOINT] [--split val]
        [--num-images 4] [--size 256] [--cfg-options K=V ...] [--device cpu] [--seed 0] [--out JSON]

Without CHECKPOINT the model is the config's initialisation (random, or the pre-trained backbone
that its ``init_cfg`` loads). Prints a Markdown table.
"""
import argparse

import mmengine
from mmengine.config import DictAction

from mmlife.analysis.det_feature_spread import det_feature_spread, format_table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help="weights (default: the config's init)")
    parser.add_argument('--split', default='val', choices=('train', 'val', 'test'))
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--size', type=int, help="square input size (default: the config's)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0, help='seed of the initialisation')
    parser.add_argument('--out', help='write the report as JSON here')
    args = parser.parse_args(argv)
    report = det_feature_spread(args.config, args.checkpoint, args.split, args.num_images,
                                args.size, args.cfg_options, args.device, args.seed)
    print(format_table(report))
    if args.out:  # mmengine's dump: JSON by the suffix, parent folders made
        mmengine.dump(report, args.out, indent=1)
    return report


if __name__ == '__main__':
    main()
