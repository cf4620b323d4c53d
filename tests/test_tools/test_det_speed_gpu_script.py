"""tools/dev/det_speed_gpu.sh: valid bash, and a clear error on a bad DATA."""
import os
import os.path as osp
import subprocess

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'dev', 'det_speed_gpu.sh')


def test_syntax():
    subprocess.run(['bash', '-n', SCRIPT], check=True)


def test_bad_data_choice(tmp_path):
    env = dict(os.environ, DATA='coco', DEST=str(tmp_path), PY='false')
    out = subprocess.run(['bash', SCRIPT], env=env, capture_output=True, text=True)
    assert out.returncode == 2 and 'DATA must be synthetic or bccd' in out.stderr
    assert not os.listdir(tmp_path)  # nothing ran
