#!/usr/bin/env bash
# Build (once) and install full mmcv 2.1.0 (with compiled ops) for the torch in the current Python.
#
# PyPI only has the mmcv 2.1.0 sdist, and its setup.py hard-codes -std=c++14/17 while the headers of
# torch >= 2.10 need C++20 (mmcv issue #3341). This script:
#   1. downloads the sdist from PyPI and checks its sha256,
#   2. raises every -std=c++14/17 flag in setup.py to -std=c++20,
#   3. builds a wheel with MMCV_WITH_OPS=1 (CUDA ops too when torch sees a GPU and nvcc exists, or
#      when MMCV_FORCE_CUDA=1),
#   4. caches the wheel outside the repo, keyed by Python / torch / CUDA, and installs it.
# A second run with the same key installs the cached wheel in seconds.
#
# Usage: tools/install_mmcv.sh [PYTHON]        (default: python on PATH, e.g. the activated .venv)
# Env:   MMLIFE_CACHE     cache root (default ~/.cache/mmlife); wheels go to $MMLIFE_CACHE/wheels/<key>/
#        MMCV_FORCE_CUDA  1 = build CUDA ops even without a visible GPU (needs nvcc), 0 = never
#        MAX_JOBS         parallel compile jobs (default: number of cores)
set -euo pipefail

PY=${1:-python}
PY=$("$PY" -c "import sys; print(sys.executable)")  # absolute: the build runs in another folder
MMCV_VERSION=2.1.0
SDIST_SHA256=d387bcab66b467479b6660310e23746cfc79c6e57acf04094680adb499a5cd3f
SDIST_URL=https://files.pythonhosted.org/packages/a7/19/f97f0fd4d432113a232e75f965335be6b7bb6557ae9faf8051e9a012cadd/mmcv-${MMCV_VERSION}.tar.gz
CACHE=${MMLIFE_CACHE:-$HOME/.cache/mmlife}

log() { echo "[install_mmcv] $*"; }

if "$PY" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
    log "mmcv $MMCV_VERSION with ops already installed in $($PY -c 'import sys; print(sys.prefix)')"
    exit 0
fi

# Decide whether to build CUDA ops.
want_cuda=$("$PY" - <<'PY'
import os, shutil, torch
force = os.environ.get('MMCV_FORCE_CUDA')
if force in ('0', '1'):
    print(force)
else:
    print(int(torch.cuda.is_available() and torch.version.cuda is not None
              and shutil.which('nvcc') is not None))
PY
)
key=$("$PY" - "$want_cuda" <<'PY'
import sys, torch
py = 'cp%d%d' % sys.version_info[:2]
tv = torch.__version__.split('+')[0]
cu = ('cu' + torch.version.cuda.replace('.', '')) if sys.argv[1] == '1' else 'cpu'
print(f'mmcv-2.1.0-{py}-torch{tv}-{cu}')
PY
)
wheel_dir="$CACHE/wheels/$key"
wheel=$(ls "$wheel_dir"/mmcv-${MMCV_VERSION}-*.whl 2>/dev/null | head -n1 || true)

if [ -z "$wheel" ]; then
    log "no cached wheel for $key: building from the sdist (about 5 min on 2 cores without CUDA ops)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    sdist="$CACHE/sdist/mmcv-${MMCV_VERSION}.tar.gz"
    mkdir -p "$(dirname "$sdist")"
    if [ ! -f "$sdist" ] || ! echo "$SDIST_SHA256  $sdist" | sha256sum -c --quiet - 2>/dev/null; then
        log "downloading $SDIST_URL"
        curl -sSL --retry 3 -o "$sdist.part" "$SDIST_URL"
        mv "$sdist.part" "$sdist"
    fi
    echo "$SDIST_SHA256  $sdist" | sha256sum -c --quiet - || { log "sha256 mismatch for $sdist"; exit 1; }
    tar -xzf "$sdist" -C "$work"
    src="$work/mmcv-${MMCV_VERSION}"
    # torch >= 2.10 headers need C++20; the sdist pins c++14/c++17 in several places.
    sed -i -E "s/(['\"])-std=c\+\+1[47](['\"])/\1-std=c++20\2/g; s/(['\"])\/std:c\+\+1[47](['\"])/\1\/std:c++20\2/g" "$src/setup.py"
    if grep -qE "['\"][-/]std[=:]c\+\+1[47]['\"]" "$src/setup.py"; then log "patching C++ flags failed"; exit 1; fi
    # The sdist imports pkg_resources, which setuptools >= 81 no longer ships.
    "$PY" -m pip install -q 'setuptools<81' wheel ninja
    export MMCV_WITH_OPS=1
    export MAX_JOBS=${MAX_JOBS:-$(nproc)}
    if [ "$want_cuda" = 1 ]; then export FORCE_CUDA=1; else export FORCE_CUDA=0 CUDA_VISIBLE_DEVICES=""; fi
    mkdir -p "$work/dist"
    log "compiling with MAX_JOBS=$MAX_JOBS FORCE_CUDA=$FORCE_CUDA"
    (cd "$src" && "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" .)
    mkdir -p "$wheel_dir"
    cp "$work"/dist/mmcv-${MMCV_VERSION}-*.whl "$wheel_dir/"
    wheel=$(ls "$wheel_dir"/mmcv-${MMCV_VERSION}-*.whl | head -n1)
    log "cached $wheel"
else
    log "using cached $wheel"
fi

"$PY" -m pip install -q --no-deps --force-reinstall "$wheel"
"$PY" -m pip install -q addict 'mmengine==0.10.7' packaging pyyaml yapf  # mmengine brings opencv-python
"$PY" -c "import mmcv, mmcv._ext; print('[install_mmcv] mmcv', mmcv.__version__, 'with ops OK')"
