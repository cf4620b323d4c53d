#!/usr/bin/env bash
# The LIFE fast path on one GPU, in one call of under 9 minutes: its GPU tests, then the
# benchmark's eager + host, end-to-end and compiled modes. Run from the repository root with the
# OpenMMLab wheels on the path:
#
#   PYTHONPATH=/tmp/site:$PWD bash tools/dev/speed_gpu.sh
#
# Writes to $OUT/speed/ (OUT defaults to work_dirs): env.txt (GPU, torch, Triton), gpu_tests.txt,
# bench_{eager,e2e,compiled}.json with their logs, e2e_profile.md (the Runner's phases), and
# status.txt (exit status and seconds of each step; 124 = timed out). Every step runs even when an earlier one failed. Each step has
# its own time limit, cut so that what is left of TOTAL seconds (default 530) still holds
# MIN_S seconds (default 60) for every step after it: a slow early step cannot starve the
# later ones, and the whole script ends in time.
# Env: OUT (work_dirs), PY (python3), TOTAL (530), MIN_S (60).
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
export PYTHONUNBUFFERED=1  # logs complete up to a timeout
DIR=${OUT:-work_dirs}/speed
mkdir -p "$DIR"
END=$(( $(date +%s) + ${TOTAL:-530} ))
MIN_S=${MIN_S:-60}
STEPS_AFTER=4  # the number of `step` calls below, counted down
: > "$DIR/status.txt"

# step NAME LIMIT_S COMMAND...: runs COMMAND under a time limit, output to NAME.txt (and here)
step() {
    STEPS_AFTER=$(( STEPS_AFTER - 1 ))
    local name=$1 limit=$2 left=$(( END - $(date +%s) - STEPS_AFTER * MIN_S )); shift 2
    (( left < limit )) && limit=$left
    if (( limit < 15 )); then
        echo "$name: skipped (no time left)" | tee -a "$DIR/status.txt"; return
    fi
    echo "== $name (limit ${limit}s): $*"
    local t0=$(date +%s)
    timeout -k 5 "$limit" "$@" 2>&1 | tee "$DIR/$name.txt"
    echo "$name: exit ${PIPESTATUS[0]}, $(( $(date +%s) - t0 ))s" | tee -a "$DIR/status.txt"
}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  $PY -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda,
"triton", triton.__version__, "gpu", torch.cuda.is_available())'; } > "$DIR/env.txt" 2>&1
cat "$DIR/env.txt"

step gpu_tests 240 $PY -m pytest -v -p no:cacheprovider \
    tests/test_models/test_layers/test_life_fast.py \
    tests/test_models/test_layers/test_life_autograd.py
step bench_eager_log 150 $PY tools/analysis_tools/benchmark.py --modes eager host \
    --repeats 3 --out "$DIR/bench_eager.json"
step bench_e2e_log 100 $PY tools/analysis_tools/benchmark.py --modes e2e --warmup 5 \
    --e2e-iters 30 --e2e-profile "$DIR/e2e_profile.md" --out "$DIR/bench_e2e.json"
step bench_compiled_log 170 $PY tools/analysis_tools/benchmark.py --modes compiled \
    --archs deit-tiny deit-small --settings 32 --micro-extra detr swinv2 --repeats 3 \
    --out "$DIR/bench_compiled.json"
cat "$DIR/status.txt"
