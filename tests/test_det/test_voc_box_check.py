"""VOCBoxCheckMixin (CheckedVOCDataset): boxes outside the image are clipped, inverted / zero-area /
out-of-image boxes dropped, with one counted warning a dataset that names the files."""
import os.path as osp
import xml.etree.ElementTree as ET

import pytest
from conftest import LogRecords
from det_helpers import make_voc_layout
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmlife.det.datasets import CheckedVOCDataset

BCCD = dict(classes=('RBC', 'WBC', 'Platelets'))


def set_boxes(root, name, boxes):
    """Replace the boxes of ``Annotations/<name>.xml`` (VOC 1-based pixel coordinates)."""
    path = osp.join(root, 'Annotations', name + '.xml')
    tree = ET.parse(path)
    ann = tree.getroot()
    for obj in ann.findall('object'):
        ann.remove(obj)
    for box in boxes:
        obj = ET.SubElement(ann, 'object')
        ET.SubElement(obj, 'name').text = 'RBC'
        ET.SubElement(obj, 'difficult').text = '0'
        bnd = ET.SubElement(obj, 'bndbox')
        for k, v in zip(('xmin', 'ymin', 'xmax', 'ymax'), box):
            ET.SubElement(bnd, k).text = str(v)
    tree.write(path)
    return path


@pytest.fixture
def warnings_log():
    logger = MMLogger.get_current_instance()
    handler = LogRecords()
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_bad_boxes_are_clipped_or_dropped_and_counted(tmp_path, warnings_log):
    init_default_scope('mmdet')
    root = make_voc_layout(str(tmp_path / 'BCCD'), size=(48, 64))  # h, w
    good = (5, 5, 20, 20)
    xml0 = set_boxes(root, 'img_000', [good, (-10, 3, 30, 80), (10, 10, 100, 20)])  # 2 clipped
    xml1 = set_boxes(root, 'img_001', [good, (30, 5, 10, 20), (10, 5, 10, 20),  # inverted, w=0
                                       (200, 5, 300, 20)])  # entirely outside: dropped
    ds = CheckedVOCDataset(data_root=root, ann_file='ImageSets/Main/train.txt',
                           metainfo=BCCD, data_prefix=dict(sub_data_root=''), pipeline=[])
    boxes = {osp.basename(d['xml_path']): [i['bbox'] for i in d['instances']]
             for d in map(ds.get_data_info, range(len(ds)))}
    # mmdet's VOC parsing subtracts 1 from every coordinate; then clipping to [0, 64] x [0, 48]
    assert boxes['img_000.xml'] == [[4, 4, 19, 19], [0, 2, 29, 48], [9, 9, 64, 19]]
    assert boxes['img_001.xml'] == [[4, 4, 19, 19]]
    assert dict(ds.box_report['clipped']) == {xml0: 2}
    assert dict(ds.box_report['dropped']) == {xml1: 3}
    warned = [m for level, m in warnings_log if level == 'WARNING']
    assert any(f'clipped 2 boxes that extend outside their image, in 1 files: {xml0} (2)' in m
               for m in warned)
    assert any(f'dropped 3 inverted, zero-area or out-of-image boxes, in 1 files: {xml1} (3)'
               in m for m in warned)


def test_clean_annotations_are_untouched(tmp_path, warnings_log):
    init_default_scope('mmdet')
    root = make_voc_layout(str(tmp_path / 'BCCD'))
    ds = CheckedVOCDataset(data_root=root, ann_file='ImageSets/Main/train.txt',
                           metainfo=BCCD, data_prefix=dict(sub_data_root=''), pipeline=[])
    assert sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds))) == 8
    assert not ds.box_report['clipped'] and not ds.box_report['dropped']
    assert not [m for level, m in warnings_log if 'boxes' in m]
