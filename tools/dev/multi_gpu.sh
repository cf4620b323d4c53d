#!/usr/bin/env bash
# 1 GPU against N GPUs (default 2) on one host: DeiT-T-LIFE on CIFAR-10, throughput and the
# accuracy after the same number of epochs. Phases, so that one job can span several calls:
#
#   tools/dev/multi_gpu.sh start            # 1-GPU run, then the N-GPU run, in the background
#   tools/dev/multi_gpu.sh wait SECONDS     # progress until both end or SECONDS pass
#   tools/dev/multi_gpu.sh compare          # img/s of each, speed-up, last top-1 of each
#
# Both runs are tools/train.py on the same config, seed and global batch (GLOBAL_BATCH images an
# iteration: 1 x GLOBAL_BATCH against N x GLOBAL_BATCH/N), so the learning rate needs no scaling
# and the two runs follow one recipe; the N-GPU run goes through tools/dist_train.sh (NCCL, with
# NVLink multicast off: NCCL_NVLS_ENABLE=0). They run one after the other, each with the GPUs to
# itself. Set up the OpenMMLab wheels and data first (tools/dev/real_data.sh setup / data).
#
# Env: CONFIG (DeiT-T-LIFE CIFAR-10), EPOCHS (30), NGPUS (2), GLOBAL_BATCH (512), WORKERS (4 a
# process), RUNS (/tmp/runs_mgpu), PY (python3), EXTRA ("key=value ..." more --cfg-options).
# Without CUDA both runs go to the CPU (the N-GPU run as N gloo processes): the tests use that.
set -uo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-configs/classification/deit/deit-tiny-life_p4_8xb64_cifar10.py}
EPOCHS=${EPOCHS:-30}
NGPUS=${NGPUS:-2}
GLOBAL_BATCH=${GLOBAL_BATCH:-512}
WORKERS=${WORKERS:-4}
RUNS=${RUNS:-/tmp/runs_mgpu}
PY=${PY:-python3}
EXTRA=${EXTRA:-}
export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} NCCL_NVLS_ENABLE=0

if (( GLOBAL_BATCH % NGPUS )); then
    echo "GLOBAL_BATCH=$GLOBAL_BATCH is not divisible by NGPUS=$NGPUS" >&2; exit 2
fi

options() {  # options PER_PROCESS_BATCH
    echo $AMP_OPTS train_dataloader.batch_size="$1" \
        train_dataloader.num_workers="$WORKERS" train_cfg.max_epochs="$EPOCHS" \
        train_cfg.val_interval=5 default_hooks.logger.interval=20 randomness.seed=0 $EXTRA
}

log_of() {  # the mmengine JSON log of a run folder
    ls "$RUNS/$1"/*/vis_data/[0-9]*.json 2>/dev/null | head -n1
}

case ${1:-} in
start)
    # bf16 autocast on GPUs (as the single-GPU results); full precision on the CPU
    if [ "$($PY -c 'import torch; print(int(torch.cuda.is_available()))' 2>/dev/null)" = 1 ]; then
        AMP="--amp"; AMP_OPTS="optim_wrapper.dtype=bfloat16"
    else
        AMP=""; AMP_OPTS=""
    fi
    mkdir -p "$RUNS/gpu1" "$RUNS/gpu$NGPUS"
    rm -f "$RUNS/done"
    one="CUDA_VISIBLE_DEVICES=0 $PY tools/train.py $CONFIG --work-dir $RUNS/gpu1 $AMP \
--cfg-options $(options "$GLOBAL_BATCH")"
    many="NCCL_NVLS_ENABLE=0 PYTHON=$PY PORT=${PORT:-29500} bash tools/dist_train.sh $CONFIG $NGPUS \
--work-dir $RUNS/gpu$NGPUS $AMP --cfg-options $(options $((GLOBAL_BATCH / NGPUS)))"
    echo "$one" > "$RUNS/gpu1/command.txt"
    echo "$many" > "$RUNS/gpu$NGPUS/command.txt"
    # one after the other, each with the GPUs to itself; survives the end of this call
    printf '%s\n' "$one > $RUNS/gpu1/train.log 2>&1" "$many > $RUNS/gpu$NGPUS/train.log 2>&1" \
        "touch $RUNS/done" > "$RUNS/run.sh"
    setsid nohup bash "$RUNS/run.sh" > /dev/null 2>&1 &
    cat "$RUNS/run.sh"
    ;;
wait)
    end=$((SECONDS + ${2:-60}))
    until [ -f "$RUNS/done" ] || [ $SECONDS -ge $end ]; do sleep 10; done
    for run in gpu1 "gpu$NGPUS"; do
        echo "== $run: $(grep -E 'Epoch\(train\)' "$RUNS/$run/train.log" 2>/dev/null | tail -n1 | cut -c1-150)"
        grep -E 'Epoch\(val\)' "$RUNS/$run/train.log" 2>/dev/null | tail -n1 | cut -c1-150
        grep -E 'Error|Traceback' "$RUNS/$run/train.log" 2>/dev/null | tail -n2
    done
    [ -f "$RUNS/done" ] && echo "both runs ended" || echo "still running"
    ;;
compare)
    logs=("$(log_of gpu1)" "$(log_of "gpu$NGPUS")")
    for log in "${logs[@]}"; do [ -n "$log" ] || { echo "a run has no log yet" >&2; exit 1; }; done
    $PY tools/analysis_tools/log_summary.py "${logs[@]}" --batch-size "$GLOBAL_BATCH" --relative
    ;;
*)
    sed -n '2,17p' "$0"; exit 2 ;;
esac
