#!/usr/bin/env bash
# Create (or update) the project's virtualenv at .venv with everything mmlife needs:
# torch + torchvision, mmcv 2.1.0 built with ops (cached, see tools/install_mmcv.sh), the
# OpenMMLab libraries, test tools, and mmlife itself in editable mode. Safe to run again.
#
# Env: PYTHON (interpreter for the venv, default python3.11, else python3.12, else python3)
#      TORCH_REQUIREMENTS (default requirements/torch.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
if [ -z "${PYTHON:-}" ]; then
    for candidate in python3.11 python3.12 python3; do
        if command -v "$candidate" >/dev/null; then PYTHON=$candidate; break; fi
    done
fi
log() { echo "[setup_env] $*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $PYTHON ($($PYTHON --version))"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip 'setuptools<81' wheel

if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
    log "installing torch from ${TORCH_REQUIREMENTS:-requirements/torch.txt}"
    "$PY" -m pip install -q -r "${TORCH_REQUIREMENTS:-requirements/torch.txt}"
fi
log "torch $("$PY" -c 'import torch; print(torch.__version__)')"

bash tools/install_mmcv.sh "$PY"

log "installing the OpenMMLab libraries, the demo's and the tests' packages and mmlife (editable)"
# the ranges of requirements/*.txt, at the versions tested together (requirements/constraints.txt)
"$PY" -m pip install -q -c requirements/constraints.txt -r requirements/runtime.txt \
    -r requirements/demo.txt -r requirements/tests.txt
# openmim (the `mim` CLI) without its dependencies; requirements/tests.txt lists those it uses
"$PY" -m pip install -q --no-deps -c requirements/constraints.txt openmim
if "$PY" -m pip show -q opencv-python-headless 2>/dev/null; then
    # one OpenCV only: mmengine requires opencv-python. The two share the cv2 folder, so reinstall
    # opencv-python after removing the other.
    log "removing opencv-python-headless (opencv-python provides cv2)"
    "$PY" -m pip uninstall -q -y opencv-python-headless
    "$PY" -m pip install -q --no-deps --force-reinstall -c requirements/constraints.txt opencv-python
fi
"$PY" -m pip install -q --no-deps --no-build-isolation -e .
"$PY" -c "import cv2, mmlife, mmcv._ext, mmpretrain, mmdet, mmseg; print('[setup_env] ready:', \
'mmlife', mmlife.__version__, '| mmcv', __import__('mmcv').__version__, '| mmpretrain', \
mmpretrain.__version__, '| mmdet', mmdet.__version__, '| mmseg', mmseg.__version__)"
