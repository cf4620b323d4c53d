"""Detection of image files with an mmlife (or mmdet) detection config and checkpoint, through
mmdet's own ``init_detector`` / ``inference_detector`` (the config's ``custom_imports`` registers
mmlife's modules). ``tools/det_inference.py`` prints the result."""
import os
import os.path as osp


def detect(config, checkpoint, images, score_thr=0.5, device='cpu', out_dir=None):
    """Detect objects in ``images`` (file paths).

    Args:
        config (str): detection config; checkpoint (str): its weights.
        score_thr (float): keep detections scoring at least this.
        device (str): e.g. ``'cpu'`` or ``'cuda:0'``.
        out_dir (str, optional): also write each image with its detections drawn (mmdet's
            visualizer) under this folder.

    Returns:
        list: ``[(image, [(class_name, score, [x1, y1, x2, y2]), ...]), ...]``, boxes in pixels
        of the original image.
    """
    import mmcv
    from mmdet.apis import inference_detector, init_detector
    from mmdet.registry import VISUALIZERS

    model = init_detector(config, checkpoint, device=device)
    classes = model.dataset_meta['classes']
    visualizer = None
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        visualizer = VISUALIZERS.build(model.cfg.visualizer)
        visualizer.dataset_meta = model.dataset_meta
    results = []
    for image in images:
        sample = inference_detector(model, image)
        pred = sample.pred_instances
        keep = pred.scores >= score_thr
        dets = [(classes[int(label)], float(score), [round(float(v), 1) for v in box])
                for box, score, label in zip(pred.bboxes[keep], pred.scores[keep],
                                             pred.labels[keep])]
        results.append((image, dets))
        if visualizer is not None:
            img = mmcv.imread(image, channel_order='rgb')
            visualizer.add_datasample(
                osp.basename(image), img, data_sample=sample, draw_gt=False, show=False,
                pred_score_thr=score_thr, out_file=osp.join(out_dir, osp.basename(image)))
    return results
