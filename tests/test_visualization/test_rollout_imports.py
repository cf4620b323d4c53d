"""mmlife.visualization and the classification roll-out work without mmdet and mmseg."""
import subprocess
import sys

from conftest import REPO

SCRIPT = r'''
import sys
sys.modules['mmdet'] = None   # any "import mmdet..." now raises ImportError
sys.modules['mmseg'] = None
import runpy
import torch
import mmlife.visualization
from mmlife.visualization import AttentionRecorder, attention_rollout
runpy.run_path('tools/visualization/attention_rollout.py', run_name='not_main')
runpy.run_path('tools/visualization/compare_rollout.py', run_name='not_main')
from mmpretrain.registry import MODELS
import mmlife.models
bb = MODELS.build(dict(type='LIFEVisionTransformer', arch='deit-tiny', img_size=32, patch_size=8))
with AttentionRecorder(bb) as rec, torch.no_grad():
    bb(torch.zeros(1, 3, 32, 32))
print(tuple(attention_rollout(rec.attentions).shape))
print(sorted(m for m in sys.modules if m.startswith(('mmdet', 'mmseg', 'mmlife.det', 'mmlife.seg'))
             and sys.modules[m] is not None))
'''


def test_visualization_without_mmdet_and_mmseg():
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split('\n')[-3:-1] == ['(1, 17, 17)', '[]'], proc.stdout
