"""The classification part of mmlife must not need mmdet or mmseg."""
import subprocess
import sys

from conftest import REPO

SCRIPT = r'''
import sys
sys.modules['mmdet'] = None   # any "import mmdet..." now raises ImportError
sys.modules['mmseg'] = None
import mmlife
import mmlife.models
import mmlife.analysis.complexity, mmlife.analysis.logs  # noqa: E401
import mmlife.datasets.converters.cifar10
from mmpretrain.registry import MODELS
import torch
model = MODELS.build(dict(type='LIFEVisionTransformer', arch='deit-tiny', img_size=32,
                          patch_size=4))
print(model(torch.zeros(1, 3, 32, 32))[0].shape)
'''


def test_classification_imports_without_mmdet_and_mmseg():
    # mmpretrain itself tries `import mmdet` (optional extras) and copes when it is missing;
    # mmlife's classification code must work the same way.
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'torch.Size([1, 192])' in proc.stdout


def test_mmlife_models_imports_no_mmlife_det_or_seg():
    code = ('import sys, mmlife.models; '
            'print(sorted(m for m in sys.modules if m.startswith(("mmlife.det", "mmlife.seg"))))')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == '[]'
