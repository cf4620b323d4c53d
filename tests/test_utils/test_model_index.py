"""The model zoo: model-index.yml, the metafiles, their results against the logs, the README
tables, and mmlife's classification models in mmpretrain's model hub."""
import os.path as osp
import re
import statistics
from glob import glob

import pytest
import yaml

from conftest import REPO



def read_yaml(path):
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


INDEX = read_yaml('model-index.yml')
METAFILES = {path: read_yaml(path) for path in INDEX['Import']}
MODELS = [m for data in METAFILES.values() for m in data['Models']]


def test_index_imports_every_family():
    families = {osp.dirname(osp.relpath(p, REPO))
                for p in glob(osp.join(REPO, 'configs', '*', '*', '*.py'))
                if '_base_' not in p}
    assert {osp.dirname(p) for p in INDEX['Import']} == families


def test_every_config_is_a_model_and_every_model_config_exists():
    names = [m['Name'] for m in MODELS]
    assert len(names) == len(set(names))
    for m in MODELS:
        assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
        assert osp.basename(m['Config']) == m['Name'] + '.py'
    for path, data in METAFILES.items():
        listed = {m['Config'] for m in data['Models']}
        on_disk = {osp.relpath(p, REPO) for p in glob(osp.join(REPO, osp.dirname(path), '*.py'))}
        assert listed == on_disk, f'{path}: run tools/misc/gen_metafiles.py --reuse'


def test_metafile_format():
    for path, data in METAFILES.items():
        collections = {c['Name'] for c in data['Collections']}
        for c in data['Collections']:
            assert c['Paper']['URL'].startswith('https://')
            assert osp.isfile(osp.join(REPO, c['README']))
        for m in data['Models']:
            assert m['In Collection'] in collections
            assert m['Metadata']['Parameters'] > 0 and m['Metadata']['FLOPs'] > 0
            assert 'Weights' not in m  # no public checkpoints
            # the training data is the name's last part, not a pretraining (`in1k-pre`)
            data = m['Metadata']['Training Data']
            assert (data == 'ImageNet-1k') == m['Name'].split('_')[-1].startswith('in1k')


def test_counts_match_the_complexity_entry_point():
    """Two models counted again (the CIFAR-10 DeiT-T pair, 32x32): parameters by hand, MACs by
    mmlife.analysis.complexity (a stale metafile fails here)."""
    from mmlife.analysis.complexity import build_model, complexity
    by_name = {m['Name']: m for m in MODELS}
    for name in ('deit-tiny_p4_8xb64_cifar10', 'deit-tiny-life_p4_8xb64_cifar10'):
        config = osp.join(REPO, by_name[name]['Config'])
        _, model = build_model(config)
        params = sum(p.numel() for p in model.parameters())
        assert params == by_name[name]['Metadata']['Parameters']
        result = complexity(config)
        assert result['shape'] == (32, 32)
        assert result['macs'] == by_name[name]['Metadata']['FLOPs']


def _test_line_value(path, key):
    """``key`` on the last ``(test)`` line of a tools/test.py log."""
    with open(path) as f:
        line = [x for x in f if '(test)' in x and key + ':' in x][-1]
    return float(re.search(re.escape(key) + r': ([\d.]+)', line).group(1))


def test_results_agree_with_their_logs():
    with_results = [m for m in MODELS if 'Results' in m]
    assert len(with_results) == 27
    for m in with_results:
        logs = m['Training Log']
        assert all(osp.isfile(osp.join(REPO, p)) for p in logs)
        tests = [osp.join(REPO, osp.dirname(p), 'test.log') for p in logs]
        metrics = m['Results'][0]['Metrics']
        if 'mIoU' in metrics:  # CamVid: mean of the seeds (random init: 3, pre-trained: 1)
            assert len(tests) in (1, 3)
            mean = statistics.mean(_test_line_value(t, 'mIoU') for t in tests)
            assert metrics['mIoU'] == pytest.approx(mean, abs=0.005)
        elif 'F1' in metrics:  # BCCD, in %
            assert metrics['F1'] == pytest.approx(100 * _test_line_value(tests[0], 'det_f1/F1'),
                                                  abs=0.01)
            assert metrics['mAP'] == pytest.approx(
                100 * _test_line_value(tests[0], 'pascal_voc/mAP'), abs=0.01)
        elif 'mAP' in metrics:  # Conditional DETR (Groceries, BCCD), in %, mean of the seeds
            assert len(tests) in (1, 3)
            mean = statistics.mean(_test_line_value(t, 'pascal_voc/mAP') for t in tests)
            assert metrics['mAP'] == pytest.approx(100 * mean, abs=0.01)
        elif osp.isfile(tests[0]):
            assert metrics['Top 1 Accuracy'] == pytest.approx(
                _test_line_value(tests[0], 'accuracy/top1'), abs=0.005)
        else:  # the CIFAR-10 validation split is its test split: the last validation of the
            # last log, of the trained weights where an EMA is validated beside them
            with open(osp.join(REPO, logs[-1])) as f:
                last = [x for x in f if 'Epoch(val)' in x and 'accuracy/top1' in x][-1]
            key = 'accuracy/top1_origin' if 'top1_origin' in last else 'accuracy/top1'
            val = re.search(re.escape(key) + r': ([\d.]+)', last).group(1)
            assert metrics['Top 1 Accuracy'] == pytest.approx(float(val), abs=0.005)


def test_readme_tables_list_every_model():
    for task in ('classification', 'detection', 'segmentation'):
        with open(osp.join(REPO, 'configs', task, 'README.md')) as f:
            text = f.read()
        zoo = text.split('<!-- model-zoo:start -->')[1].split('<!-- model-zoo:end -->')[0]
        for m in MODELS:
            if m['Config'].startswith(f'configs/{task}/'):
                assert f"[{m['Name']}]" in zoo, m['Name']
                for log in m.get('Training Log', []):
                    assert f'(../../{log})' in zoo


def test_mmpretrain_model_hub_knows_the_classification_models():
    from mmpretrain import get_model, list_models

    from mmlife.utils.model_index import register_classification_models
    names = register_classification_models()
    assert names == register_classification_models()  # once
    life = list_models('*life*')
    assert 'deit-tiny-life_p4_8xb64_cifar10' in life
    assert 'swinv2-tiny-w8-life_p1_8xb64_cifar100' in life
    assert not [n for n in life if n.startswith(('detr', 'linear'))]  # not mmpretrain models
    assert len(list_models()) > len(names)  # mmpretrain's own are still there
    # a name both have stays mmpretrain's
    assert 'resnet18_8xb32_in1k' not in names and 'resnet18_8xb32_in1k' in list_models('resnet18')
    model = get_model('deit-tiny-life_p4_8xb64_cifar10')
    assert type(model.backbone).__name__ == 'LIFEVisionTransformer'
    assert model.backbone.use_life
