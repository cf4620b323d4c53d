"""Detect objects in images with an mmlife detection config and checkpoint (mmdet's API).

    python tools/det_inference.py CONFIG CHECKPOINT IMAGE [IMAGE ...] [--score-thr 0.5]
        [--out-dir DIR] [--device cpu]

Prints one line per detection (image, class, score, box x1 y1 x2 y2 in pixels of the original
image); with ``--out-dir`` also writes each image with its boxes drawn. The config's
``custom_imports`` registers mmlife's modules, so this is plain ``mmdet.apis``:

    from mmdet.apis import init_detector, inference_detector
    model = init_detector(CONFIG, CHECKPOINT, device='cpu')
    result = inference_detector(model, 'image.jpg')  # a DetDataSample
    result.pred_instances  # bboxes, scores, labels
"""
import argparse

import mmlife  # noqa: F401  (weights_only allowlist for mmengine checkpoints)
from mmlife.det.inference import detect


def parse_args():
    parser = argparse.ArgumentParser(description='Detect objects with an mmlife detector')
    parser.add_argument('config', help='detection config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--score-thr', type=float, default=0.5,
                        help='print / draw detections scoring at least this (default 0.5)')
    parser.add_argument('--out-dir', help='write the images with their detections drawn here')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    return parser.parse_args()


def main():
    args = parse_args()
    for image, dets in detect(args.config, args.checkpoint, args.images, args.score_thr,
                              args.device, args.out_dir):
        print(f'{image}: {len(dets)} detections with score >= {args.score_thr}')
        for name, score, box in dets:
            print(f'  {name:<12} {score:.3f}  {box}')


if __name__ == '__main__':
    main()
