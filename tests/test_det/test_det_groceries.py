"""The Groceries dataset base (stock mmdet VOCDataset with 25 classes) on a fabricated
Pascal-VOC-layout set, and one training step of every Groceries and Imagenette-pre-trained DETR
and Conditional DETR config on fabricated images (64 x 64 instead of 320 or 512)."""
import glob
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmlife.datasets import build_collate

from conftest import make_classifier_checkpoint
from det_helpers import CONFIG_DIR, REPO, load_config, make_voc_layout, single_thread  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')

# The 25 classes of the Groceries archive (names as in its XML files), in the documented order.
GROCERIES = ('beans', 'cake', 'candy', 'cereal', 'chips', 'chocolate', 'coffee', 'corn', 'fish',
             'flour', 'honey', 'jam', 'juice', 'milk', 'nuts', 'oil', 'pasta', 'rice', 'soda',
             'spices', 'sugar', 'tea', 'tomato_sauce', 'vinegar', 'water')
BCCD_CLASSES = ('RBC', 'WBC', 'Platelets')
DATASET_BASE = osp.join(REPO, 'configs/detection/_base_/datasets/groceries_320x320.py')
CONDITIONAL_DIR = osp.join(REPO, 'configs', 'detection', 'conditional_detr')
NEW_CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*_groceries-320x320.py')) +
                     glob.glob(osp.join(CONFIG_DIR, '*-imagenette-pre_*_bccd-512x512.py')) +
                     glob.glob(osp.join(CONDITIONAL_DIR, '*.py')))
SIZE = 64


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """Fabricated Groceries (classes from the end of the list first, so that label 24 occurs,
    and one degenerate 0 x 1 box) and BCCD sets."""
    tmp = tmp_path_factory.mktemp('groceries')
    groceries = make_voc_layout(str(tmp / 'Groceries'), classes=GROCERIES[::-1], n_train=4,
                                n_val=2, size=(56, 56))
    xml = osp.join(groceries, 'Annotations', 'img_000.xml')
    tree = ET.parse(xml)
    obj = ET.SubElement(tree.getroot(), 'object')
    ET.SubElement(obj, 'name').text = 'fish'
    box = ET.SubElement(obj, 'bndbox')
    for k, v in (('xmin', 30), ('ymin', 20), ('xmax', 30), ('ymax', 21)):
        ET.SubElement(box, k).text = str(v)
    tree.write(xml)
    bccd = make_voc_layout(str(tmp / 'BCCD'), classes=BCCD_CLASSES, n_train=4, n_val=2)
    return dict(groceries=groceries + '/', bccd=bccd + '/')


def xml_objects(root, img_id):
    tree = ET.parse(osp.join(root, 'Annotations', f'{img_id}.xml'))
    return [o.find('name').text for o in tree.getroot().findall('object')]


def test_dataset_base_loads_a_voc_layout_with_the_25_classes(roots):
    from mmdet.registry import DATASETS

    import mmlife.det  # noqa: F401  (CheckedVOCDataset)
    cfg = Config.fromfile(DATASET_BASE)
    init_default_scope('mmdet')
    root = roots['groceries']
    train = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=root))
    assert type(train).__name__ == 'CheckedVOCDataset'  # mmdet's VOCDataset, boxes checked
    assert train.metainfo['classes'] == GROCERIES
    assert len(train.metainfo['palette']) == 25 == len(set(train.metainfo['palette']))
    assert train.metainfo['dataset_type'] is None  # no VOC year: VOCMetric names the classes
    assert len(train) == 4
    for i in range(len(train)):
        info = train.get_data_info(i)
        names = xml_objects(root, info['img_id'])
        if info['img_id'] == 'img_000':  # its third box is 0 px wide: dropped when read
            names = names[:2]
        assert [GROCERIES[inst['bbox_label']] for inst in info['instances']] == names
    info = train.get_data_info(0)
    assert info['img_id'] == 'img_000' and len(info['instances']) == 2
    labels = {inst['bbox_label'] for i in range(4) for inst in train.get_data_info(i)['instances']}
    assert GROCERIES.index('water') in labels

    np.random.seed(0)
    sample = train[0]  # the full train pipeline: flip, random crop (p=0.5), 320 x 320
    assert sample['inputs'].shape == (3, 320, 320)
    boxes = sample['data_samples'].gt_instances.bboxes.tensor
    assert len(boxes) and boxes.min() >= 0 and boxes.max() <= 320

    for loader, split in (('val_dataloader', 'val'), ('test_dataloader', 'test')):
        ds = DATASETS.build(dict(cfg[loader].dataset, data_root=root))
        assert ds.test_mode and ds.ann_file.endswith(f'ImageSets/Main/{split}.txt')
        assert len(ds) == 2 and ds.metainfo['classes'] == GROCERIES
        assert ds[0]['inputs'].shape == (3, 320, 320)


def test_visualiser_has_a_colour_for_every_class(roots):
    from mmdet.structures import DetDataSample
    from mmdet.visualization import DetLocalVisualizer
    from mmengine.structures import InstanceData
    cfg = Config.fromfile(DATASET_BASE)
    vis = DetLocalVisualizer(name='groceries_palette_test')
    vis.dataset_meta = dict(cfg.metainfo)
    sample = DetDataSample()
    sample.pred_instances = InstanceData(bboxes=torch.tensor([[2., 2., 30., 30.]] * 2),
                                         labels=torch.tensor([0, 24]),
                                         scores=torch.tensor([0.9, 0.8]))
    vis.add_datasample('img', np.zeros((40, 40, 3), np.uint8), sample, draw_gt=False, show=False)
    assert vis.get_image().shape == (40, 40, 3)


def test_evaluators_with_the_25_classes(roots):
    """VOC mAP (no VOC year: classes named from the metainfo), F1 and box spread of the base, on
    predictions equal to the ground truth of the fabricated val images, then with every label
    shifted by one class."""
    from mmdet.registry import DATASETS
    from mmengine.evaluator import Evaluator
    from mmengine.structures import InstanceData

    import mmlife.det  # noqa: F401  (DetF1Metric, DetBoxSpreadMetric)
    cfg = Config.fromfile(DATASET_BASE)
    init_default_scope('mmdet')
    val = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=roots['groceries']))
    samples = [val[i]['data_samples'] for i in range(len(val))]
    n_boxes = np.mean([len(s.gt_instances) for s in samples])
    for shift, expected_map in ((0, 1.0), (1, 0.0)):
        evaluator = Evaluator(cfg.val_evaluator)
        evaluator.dataset_meta = val.metainfo
        for s in samples:
            gt = s.gt_instances
            s.pred_instances = InstanceData(bboxes=gt.bboxes.tensor.clone(),
                                            labels=(gt.labels + shift) % 25,
                                            scores=torch.full((len(gt), ), 0.9))
        evaluator.process(samples)
        metrics = evaluator.evaluate(len(samples))
        assert metrics['pascal_voc/mAP'] == pytest.approx(expected_map)
        assert metrics['det_f1/F1'] == pytest.approx(expected_map)
        assert metrics['box_spread/distinct'] == pytest.approx(n_boxes)


def small(cfg):
    """The config at 64 x 64: the backbone's grid and every Resize of the train pipeline."""
    cfg.model.backbone.img_size = SIZE
    for t in cfg.train_dataloader.dataset.pipeline:
        if t.type == 'Resize':
            t.scale = (SIZE, SIZE)
    return cfg


@pytest.fixture(scope='module')
def backbone_files(tmp_path_factory):
    """Converted Imagenette classifier checkpoints, {use_life: path}."""
    from mmlife.utils.convert import convert_classifier_checkpoint
    tmp = tmp_path_factory.mktemp('imagenette_pre')
    files = {}
    for life in (False, True):
        src, _ = make_classifier_checkpoint(tmp / f'cls_{life}.pth', life, seed=3,
                                            training_state=False)
        files[life] = str(tmp / f'backbone_{life}.pth')
        convert_classifier_checkpoint(src, files[life])
    return files


def test_the_new_configs():
    names = [osp.basename(p) for p in NEW_CONFIGS]
    # DETR: 6 Groceries random init, 2 x 2 Imagenette-pre-trained; Conditional DETR: 6 Groceries
    # random init, 4 Imagenette-pre-trained pairs, the BCCD pair from the Groceries detectors
    assert len(names) == 26, names


@pytest.mark.parametrize('path', NEW_CONFIGS, ids=osp.basename)
def test_one_training_step(path, roots, backbone_files):
    from mmdet.registry import DATASETS, MODELS
    from mmengine.optim import build_optim_wrapper
    cfg = small(load_config(path))
    init_default_scope('mmdet')
    groceries = path.endswith('_groceries-320x320.py')  # (not the BCCD -groceries-pre ones)
    root = roots['groceries' if groceries else 'bccd']
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=root))
    np.random.seed(0)
    # the config's collate function: every image has one size, stacked in the worker
    batch = build_collate(cfg.train_dataloader)([dataset[0], dataset[1]])
    assert batch['inputs'].shape == (2, 3, SIZE, SIZE)

    # the -groceries-pre configs' backbone starts from Imagenette too, under their load_from
    pretrained = '-imagenette-pre' in path or '-groceries-pre' in path
    if pretrained:
        cfg.model.backbone.init_cfg.checkpoint = backbone_files[cfg.model.backbone.use_life]
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert model.bbox_head.num_classes == (25 if groceries else 3)
    if pretrained:  # the Imagenette backbone is in (all but the resized position embedding)
        ckpt = torch.load(cfg.model.backbone.init_cfg.checkpoint, weights_only=True)
        w = ckpt['state_dict']['backbone.layers.11.ffn.layers.1.weight']
        assert torch.equal(model.backbone.layers[11].ffn.layers[1].weight, w)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    backbone_lr = {g['lr'] for g in optim_wrapper.optimizer.param_groups
                   if any(p is model.backbone.patch_embed.projection.weight for p in g['params'])}
    lr = cfg.optim_wrapper.optimizer.lr  # 1e-4; the batch-32 BCCD recipe's 2e-4
    assert backbone_lr == {0.1 * lr if pretrained or not groceries else lr}
    before = [p.detach().clone() for p in (model.backbone.patch_embed.projection.weight,
                                          model.query_embedding.weight)]
    model.train()
    log_vars = model.train_step(batch, optim_wrapper)
    assert {'loss', 'loss_cls', 'loss_bbox', 'loss_iou'} <= set(log_vars)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    after = (model.backbone.patch_embed.projection.weight, model.query_embedding.weight)
    assert all(not torch.equal(a, b) for a, b in zip(before, after))


def test_stacked_batches_preprocess_like_lists(roots):
    """The train loaders stack each batch in the worker (stack_collate); the data preprocessor
    then gives exactly what it gives for mmdet's default lists (pseudo_collate)."""
    from mmdet.registry import DATASETS, MODELS
    cfg = small(load_config(osp.join(
        CONDITIONAL_DIR,
        'conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb16-50e_groceries-320x320.py')))
    init_default_scope('mmdet')
    assert cfg.train_dataloader.collate_fn == dict(type='stack_collate')
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=roots['groceries']))
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    outs = []
    for collate in (build_collate(cfg.train_dataloader), pseudo_collate):
        np.random.seed(0)  # the same random flips and crops
        outs.append(preprocessor(collate([dataset[i] for i in range(3)]), training=True))
    stacked, listed = outs
    torch.testing.assert_close(stacked['inputs'], listed['inputs'], rtol=0, atol=0)
    for a, b in zip(stacked['data_samples'], listed['data_samples']):
        assert a.metainfo == b.metainfo
        torch.testing.assert_close(a.gt_instances.bboxes, b.gt_instances.bboxes, rtol=0, atol=0)
        assert torch.equal(a.gt_instances.labels, b.gt_instances.labels)
