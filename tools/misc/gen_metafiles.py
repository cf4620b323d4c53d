"""Write the model zoo: each config family's ``metafile.yml``, the root ``model-index.yml``, and the
model zoo tables of ``configs/{classification,detection,segmentation}/README.md``.

    python tools/misc/gen_metafiles.py            # measure every config (minutes of CPU)
    python tools/misc/gen_metafiles.py --reuse    # keep the measured numbers of listed configs

Every config of a family becomes one model (``Name`` = the config's file name), with its
parameters and multiply-adds (``FLOPs``, mmengine's convention: one multiply-add = one "flop",
attention matmuls included) measured by ``mmlife.analysis.complexity`` (what
``tools/analysis_tools/get_flops.py`` prints) on one image at the config's input size.
``Results`` are written only for the runs in ``RUNS``, read from their logs under ``docs/logs``;
the logs are linked from the model (``Training Log``) and from the README tables. There are no public checkpoints, so no model has ``Weights``.
"""
import argparse
import json
import os.path as osp
import re
import statistics
import sys
from glob import glob

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

LIFE_PAPER = dict(
    Title='Enhancing Performance of Vision Transformers on Small Datasets through Local '
    'Inductive Bias Incorporation',
    URL='https://arxiv.org/abs/2305.08551')
CONDITIONAL_DETR_PAPER = dict(Title='Conditional DETR for Fast Training Convergence',
                             URL='https://arxiv.org/abs/2108.06152')
TASKS = dict(classification='Image Classification', detection='Object Detection',
             segmentation='Semantic Segmentation')

#: family folder -> (collection name, architectures, paper)
FAMILIES = {
    'classification/deit': ('DeiT-LIFE', ['Vision Transformer', 'LIFE'], LIFE_PAPER),
    'classification/t2t_vit': ('T2T-ViT-LIFE', ['Tokens-to-Token ViT', 'LIFE'], LIFE_PAPER),
    'classification/swinv2': ('SwinV2-LIFE', ['Swin Transformer V2', 'LIFE'], LIFE_PAPER),
    'classification/resnet': ('ResNet (LIFE baselines)', ['ResNet'], LIFE_PAPER),
    'classification/demo': ('DeiT-LIFE digits demo', ['Vision Transformer', 'LIFE'], LIFE_PAPER),
    'detection/detr': ('DETR-LIFE', ['DETR', 'Vision Transformer', 'LIFE'], LIFE_PAPER),
    'detection/conditional_detr': ('Conditional-DETR-LIFE',
                                   ['Conditional DETR', 'Vision Transformer', 'LIFE'],
                                   CONDITIONAL_DETR_PAPER),
    'segmentation/linear': ('Linear-LIFE', ['Vision Transformer', 'LIFE', 'Linear head'],
                            LIFE_PAPER),
}

#: first token of the config name's last part (the training data in OpenMMLab's naming, after
#: any ``-pre`` pretraining part) -> the dataset, as OpenMMLab metafiles name them
DATASETS = {'cifar10': 'CIFAR-10', 'cifar100': 'CIFAR-100', 'tinyimagenet': 'Tiny-ImageNet',
            'imagenet100': 'ImageNet-100', 'in1k': 'ImageNet-1k', 'imagenette': 'Imagenette',
            'digits': 'scikit-learn digits', 'voc0712': 'PASCAL VOC', 'bccd': 'BCCD',
            'groceries': 'Groceries', 'cityscapes': 'Cityscapes', 'camvid': 'CamVid'}


def test_log_metrics(path):
    """The metrics dict printed at the end of a ``tools/test.py`` log."""
    with open(path) as f:
        last = [line for line in f if line.startswith('{')][-1]
    return {k: float(v) for k, v in
            json.loads(re.sub(r'np\.float\d+\(([^)]*)\)', r'\1', last).replace("'", '"')).items()}


def last_val(path, key):
    """``key`` of the last validation in an mmengine ``*_log.json``."""
    with open(path) as f:
        return [json.loads(line) for line in f if key in line][-1][key]


def cifar(run, test_log=True, logs='cifar10_100e'):
    """Top-1 of a CIFAR-10 run trained in one part (logs: its folder under docs/logs): its test
    log, or its last validation (the val split is the 10,000-image test split in these configs)."""
    base = f'docs/logs/{logs}/{run}'
    if test_log:
        top1 = test_log_metrics(osp.join(REPO, base, 'test.log'))['accuracy/top1']
    else:
        top1 = last_val(osp.join(REPO, base, 'train_log.json'), 'accuracy/top1')
    return {'Top 1 Accuracy': round(top1, 2)}, [f'{base}/train.log']


def cifar_official(run, resumed_at):
    """Top-1 of a 300-epoch official-recipe CIFAR-10 run (trained in two parts, resumed at epoch
    ``resumed_at``): the trained weights' last validation (``accuracy/top1_origin``), which only
    the second part logs."""
    base = f'docs/logs/cifar10_official_300e/{run}'
    top1 = last_val(osp.join(REPO, base, f'train_log_epochs{resumed_at}-300.json'),
                    'accuracy/top1_origin')
    logs = [f'{base}/train_epochs1-{resumed_at - 1}.log',
            f'{base}/train_epochs{resumed_at}-300.log']
    return {'Top 1 Accuracy': round(top1, 2)}, logs


def cifar_cnn(run):
    """Top-1 of a 200-epoch CNN-recipe CIFAR-10 run (trained in two parts): its test log."""
    base = f'docs/logs/cifar10_resnet18_200e/{run}'
    top1 = test_log_metrics(osp.join(REPO, base, 'test.log'))['accuracy/top1']
    return {'Top 1 Accuracy': round(top1, 2)}, [f'{base}/train_part1.log',
                                                f'{base}/train_part2.log']


def mean_test_metric(runs, key, scale=1):
    """``key`` of the test logs of runs (their folders under the repo), mean over the runs
    times ``scale``, rounded to 2 decimals; and the runs' training logs."""
    values = [test_log_metrics(osp.join(REPO, r, 'test.log'))[key] for r in runs]
    return round(scale * statistics.mean(values), 2), [f'{r}/train.log' for r in runs]


def mean_miou(runs):
    """Test mIoU of CamVid runs (their folders under the repo), mean over the runs."""
    miou, logs = mean_test_metric(runs, 'mIoU')
    return {'mIoU': miou}, logs


def camvid(arm):
    """Test mIoU of CamVid from random init, mean of the seeds 0, 1 and 2."""
    return mean_miou([f'docs/logs/camvid/camvid_{arm}{s}' for s in ('', '_seed1', '_seed2')])


def camvid_pre(arm):
    """Test mIoU of the CamVid run from the Imagenette-pre-trained backbone (seed 0)."""
    return mean_miou([f'docs/logs/camvid_pre/camvid_{arm}_imagenette-pre'])


def imagenette(arm):
    """Top-1 of an Imagenette run: its last validation (the val split is the evaluation split)."""
    base = f'docs/logs/imagenette/imagenette_{arm}'
    top1 = last_val(osp.join(REPO, base, 'train_log.json'), 'accuracy/top1')
    return {'Top 1 Accuracy': round(top1, 2)}, [f'{base}/train.log']


def cond_detr(runs, logs='cond_detr_pre'):
    """Test VOC mAP (in %) of Conditional DETR runs (a run's name or a list of names; logs: their
    folder under docs/logs), mean over the runs."""
    bases = [f'docs/logs/{logs}/{run}' for run in ([runs] if isinstance(runs, str) else runs)]
    m_ap, train_logs = mean_test_metric(bases, 'pascal_voc/mAP', scale=100)
    return {'mAP': m_ap}, train_logs


#: config name -> (how to read its results, the training budget where it differs from the config)
#: (the BCCD DETR runs of docs/results.md are not listed: the random-init ones trained with
#: transformer dropout 0.1, which the detection configs no longer have, and the
#: Imagenette-pre-trained ones were stopped before the end of their schedule)
RUNS = {
    'deit-tiny_p4_8xb64_cifar10': (lambda: cifar('cifar10_deit-tiny', test_log=False),
                                   '100 of 300 epochs, 1 GPU x 512'),
    'deit-tiny-life_p4_8xb64_cifar10': (lambda: cifar('cifar10_deit-tiny-life'),
                                        '100 of 300 epochs, 1 GPU x 512'),
    'deit-tiny_p4_8xb64-official_cifar10': (
        lambda: cifar_official('cifar10_deit-tiny', 185),
        '300 epochs (resumed at epoch 185), 1 GPU x 512, seed 0'),
    'deit-tiny-life_p4_8xb64-official_cifar10': (
        lambda: cifar_official('cifar10_deit-tiny-life', 149),
        '300 epochs (resumed at epoch 149), 1 GPU x 512, seed 0'),
    **{f'{arm}_8xb64-official_cifar10': (
        lambda arm=arm: cifar(f'cifar10_{arm}', logs='cifar10_t2t_100e'),
        '100 of 300 epochs, 1 GPU x 512, seed 0')
       for arm in ('t2t-vit-12', 't2t-vit-12-life')},
    'resnet18_1xb128_cifar10': (lambda: cifar_cnn('cifar10_resnet18'),
                                '200 epochs (resumed at epoch 151), 1 GPU x 128, seed 0'),
    'linear_deit-tiny_1xb8-10k_camvid-352x480': (lambda: camvid('deit-tiny'),
                                                 '8k of 10k iterations, mean of 3 seeds'),
    'linear_deit-tiny-life_1xb8-10k_camvid-352x480': (lambda: camvid('deit-tiny-life'),
                                                      '8k of 10k iterations, mean of 3 seeds'),
    'linear_deit-tiny_imagenette-pre_1xb8-10k_camvid-352x480': (
        lambda: camvid_pre('deit-tiny'), '6k of 10k iterations, seed 0'),
    'linear_deit-tiny-life_imagenette-pre_1xb8-10k_camvid-352x480': (
        lambda: camvid_pre('deit-tiny-life'), '6k of 10k iterations, seed 0'),
    'conditional-detr_deit-tiny_encdec-linear_1xb16-50e_groceries-320x320': (
        lambda: cond_detr([f'cond-groceries_deit-tiny_encdec-linear{s}'
                           for s in ('', '_seed1', '_seed2')], 'cond_detr_random_20e'),
        '20 of 50 epochs, 1 GPU x 32, lr 2e-4, mean of 3 seeds'),
    'conditional-detr_deit-tiny-life_encdec-life_1xb16-50e_groceries-320x320': (
        lambda: cond_detr([f'cond-groceries_deit-tiny-life_encdec-life{s}_qkv-linear'
                           for s in ('', '_seed1', '_seed2')], 'cond_detr_random_20e'),
        '20 of 50 epochs, 1 GPU x 32, lr 2e-4, mean of 3 seeds'),
    **{f'conditional-detr_{variant}_1xb16-50e_groceries-320x320': (
        lambda variant=variant: cond_detr(f'cond-groceries_{variant}', 'cond_detr_random_20e'),
        '20 of 50 epochs, 1 GPU x 32, lr 2e-4, seed 0')
       for variant in ('deit-tiny_encdec', 'deit-tiny_encdec-life', 'deit-tiny-life_encdec',
                       'deit-tiny-life_encdec-linear')},
    'conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb16-50e_groceries-320x320': (
        lambda: cond_detr('cond-groceries_deit-tiny-imagenette-pre_encdec-linear',
                          'cond_detr_pre_25e'),
        '25 of 50 epochs, 1 GPU x 32, lr 2e-4, seed 0'),
    'conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb16-50e_groceries-320x320': (
        lambda: cond_detr('cond-groceries_deit-tiny-life-imagenette-pre_encdec-life',
                          'cond_detr_pre_25e'),
        '25 of 50 epochs, 1 GPU x 32, lr 2e-4, seed 0'),
    'conditional-detr_deit-tiny-imagenette-pre_encdec-linear_1xb4-100e_bccd-512x512': (
        lambda: cond_detr('cond-bccd_deit-tiny-imagenette-pre_encdec-linear'),
        '100 epochs, seed 0'),
    'conditional-detr_deit-tiny-life-imagenette-pre_encdec-life_1xb4-100e_bccd-512x512': (
        lambda: cond_detr('cond-bccd_deit-tiny-life-imagenette-pre_encdec-life'),
        '90 of 100 epochs (stopped), seed 0'),
    **{f'conditional-detr_{arm}_1xb32-10e_groceries-320x320': (
        lambda arm=arm: cond_detr(f'cond-groceries_{arm}', 'cond_detr_detpre'), '10 epochs, seed 0')
       for arm in ('deit-tiny-imagenette-pre_encdec-linear',
                   'deit-tiny-life-imagenette-pre_encdec-life')},
    'conditional-detr_deit-tiny-groceries-pre_encdec-linear_1xb32-100e_bccd-512x512': (
        lambda: cond_detr('cond-bccd-detpre_deit-tiny-imagenette-pre_encdec-linear',
                          'cond_detr_detpre'),
        '90 of 100 epochs (stopped), seed 0'),
    'conditional-detr_deit-tiny-life-groceries-pre_encdec-life_1xb32-100e_bccd-512x512': (
        lambda: cond_detr('cond-bccd-detpre_deit-tiny-life-imagenette-pre_encdec-life',
                          'cond_detr_detpre'),
        '70 of 100 epochs (stopped), seed 0'),
    'deit-tiny_p16_8xb64_imagenette': (lambda: imagenette('deit-tiny'), '1 GPU x 256'),
    'deit-tiny-life_p16_8xb64_imagenette': (lambda: imagenette('deit-tiny-life'), '1 GPU x 256'),
}


def dataset_of(name):
    token = name.split('_')[-1].split('-')[0]
    if token not in DATASETS:
        raise ValueError(f'{name}: no dataset known for {token!r}; add it to DATASETS')
    return DATASETS[token]


def measure(config):
    """``(params, MACs)`` of the config's model (``mmlife.analysis.complexity``)."""
    from mmlife.analysis.complexity import complexity
    r = complexity(osp.join(REPO, config))
    return int(r['params']), int(r['macs'])


def family_metafile(family, reuse):
    collection, arch, paper = FAMILIES[family]
    task, readme = TASKS[family.split('/')[0]], f'configs/{family.split("/")[0]}/README.md'
    path = osp.join(REPO, 'configs', family, 'metafile.yml')
    known = {}
    if reuse and osp.isfile(path):
        with open(path) as f:
            known = {m['Name']: m['Metadata'] for m in yaml.safe_load(f)['Models']}
    models = []
    for cfg_path in sorted(glob(osp.join(REPO, 'configs', family, '*.py'))):
        name = osp.basename(cfg_path)[:-3]
        config = osp.relpath(cfg_path, REPO)
        if name in known:
            params, flops = known[name]['Parameters'], known[name]['FLOPs']
        else:
            print(f'measuring {config}', flush=True)
            params, flops = measure(config)
        model = {
            'Name': name,
            'In Collection': collection,
            'Config': config,
            'Metadata': {'Training Data': dataset_of(name), 'Parameters': params,
                         'FLOPs': flops},
        }
        if name in RUNS:
            read, budget = RUNS[name]
            metrics, logs = read()
            model['Results'] = [dict(Task=task, Dataset=dataset_of(name), Metrics=metrics)]
            model['Training Budget'] = budget
            model['Training Log'] = logs
        models.append(model)
    collections = [{'Name': collection, 'Metadata': {'Architecture': arch}, 'Paper': paper,
                    'README': readme}]
    return path, dict(Collections=collections, Models=models)


def log_label(i, path, n):
    """The link text of a model's ``i``-th of ``n`` logs: a run trained in parts is named by the
    epochs of each part (``train_epochs1-184.log``) or its number (``train_part2.log``), several
    runs by their seed."""
    part = re.search(r'train_epochs(\d+-\d+)\.log$', path)
    if part:
        return f'epochs {part.group(1)}'
    part = re.search(r'train_part(\d+)\.log$', path)
    if part:
        return f'part {part.group(1)}'
    return 'log' if n == 1 else f'seed {i}'


def zoo_table(metafiles):
    """The model zoo tables (Markdown) of one task's metafiles, one per collection."""
    parts = []
    for data in metafiles:
        lines = [f"### {data['Collections'][0]['Name']}", '',
                 '| config | params (M) | GMACs | result (test split) | budget | log |',
                 '| --- | ---: | ---: | --- | --- | --- |']
        for m in data['Models']:
            md = m['Metadata']
            result = budget = log = '-'
            if 'Results' in m:
                r = m['Results'][0]
                metrics = ', '.join(f'{k} {v:.2f}' for k, v in r['Metrics'].items())
                result, budget = f"{r['Dataset']}: {metrics}", m['Training Budget']
                logs = m['Training Log']
                log = ', '.join(f'[{log_label(i, p, len(logs))}](../../{p})'
                                for i, p in enumerate(logs))
            cfg = m['Config'].split('/', 2)[2]
            lines.append(f"| [{m['Name']}]({cfg}) | {md['Parameters'] / 1e6:.2f} | "
                         f"{md['FLOPs'] / 1e9:.2f} | {result} | {budget} | {log} |")
        parts.append('\n'.join(lines))
    return '\n\n'.join(parts)


START, END = '<!-- model-zoo:start -->', '<!-- model-zoo:end -->'


def replace_table(readme_text, table):
    """``readme_text`` with the part between the model-zoo markers replaced by ``table``."""
    if START not in readme_text or END not in readme_text:
        raise ValueError(f'the README needs the markers {START} and {END}')
    head, rest = readme_text.split(START, 1)
    return f'{head}{START}\n{table}\n{END}{rest.split(END, 1)[1]}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reuse', action='store_true',
                        help='keep Parameters/FLOPs of configs the metafiles already list')
    args = parser.parse_args()
    by_task = {}
    for family in FAMILIES:
        path, data = family_metafile(family, args.reuse)
        with open(path, 'w') as f:
            yaml.safe_dump(data, f, sort_keys=False, width=100)
        by_task.setdefault(family.split('/')[0], []).append(data)
        print(f'wrote {osp.relpath(path, REPO)} ({len(data["Models"])} models)')
    index = {'Import': [f'configs/{family}/metafile.yml' for family in FAMILIES]}
    with open(osp.join(REPO, 'model-index.yml'), 'w') as f:
        yaml.safe_dump(index, f, sort_keys=False)
    for task, metafiles in by_task.items():
        readme = osp.join(REPO, 'configs', task, 'README.md')
        with open(readme) as f:
            text = f.read()
        with open(readme, 'w') as f:
            f.write(replace_table(text, zoo_table(metafiles)))
        print(f'updated {osp.relpath(readme, REPO)}')


if __name__ == '__main__':
    main()
