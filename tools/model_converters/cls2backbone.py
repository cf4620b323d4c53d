r"""Turn an mmpretrain classifier checkpoint into a backbone init file for detection/segmentation.

    python tools/model_converters/cls2backbone.py \
        work_dirs/imagenette_deit-tiny/epoch_100.pth pretrain/deit-tiny_imagenette_backbone.pth \
        --check-config CONFIG   # optional: a *-imagenette-pre config whose backbone must load it

Keeps the ``backbone.*`` weights (prefix kept: the ``*-pre`` configs load them with
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``), drops the head and the
training state. A checkpoint of an ``EMAHook`` run (the ``*-official`` configs) holds the EMA
as its weights; ``--weights trained`` takes the trained ones. The position embedding keeps the
classifier's grid; the backbone resizes it when it loads. See :mod:`mmlife.utils.convert`.
"""
import argparse

from mmlife.utils.convert import convert_classifier_checkpoint


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='classifier checkpoint (keys backbone.*, head.*)')
    parser.add_argument('dst', help='output file, e.g. pretrain/deit-tiny_imagenette_backbone.pth')
    parser.add_argument('--prefix', default='backbone.', help='the backbone\'s key prefix')
    parser.add_argument('--check-config',
                        help='a detection/segmentation config whose backbone must load the result '
                        'with no missing or unexpected key (nothing is written otherwise)')
    parser.add_argument('--weights', choices=['state_dict', 'trained'], default='state_dict',
                        help='state_dict: the checkpoint\'s weights (the EMA of an EMAHook run); '
                        'trained: the trained weights of an EMAHook run')
    args = parser.parse_args(argv)
    summary = convert_classifier_checkpoint(args.src, args.dst, args.prefix, args.check_config,
                                            args.weights)
    print(f'{args.dst}: {len(summary["kept"])} backbone tensors kept; dropped '
          f'{len(summary["dropped"])} other tensors ({", ".join(summary["dropped"][:4])}'
          f'{", ..." if len(summary["dropped"]) > 4 else ""}) and '
          f'{summary["dropped_entries"] or "no"} training state'
          f'{"; loads into " + args.check_config if args.check_config else ""}')
    return summary


if __name__ == '__main__':
    main()
