#!/usr/bin/env bash
# 1 GPU against N GPUs (default 2) on one host: DeiT-T-LIFE on CIFAR-10, throughput and the
# accuracy after the same number of epochs. Phases, so that one job can span several calls:
#
#   tools/dev/multi_gpu.sh start            # 1-GPU runs (one per seed), then the N-GPU run
#   tools/dev/multi_gpu.sh wait SECONDS     # progress until all end or SECONDS pass
#   tools/dev/multi_gpu.sh compare          # img/s of each, speed-up, last top-1 of each
#   tools/dev/multi_gpu.sh test             # tools/test.py vs tools/dist_test.sh (N) on the N-GPU run
#   tools/dev/multi_gpu.sh det              # a detection config: N-GPU training, then 1-process
#                                           # and N-process tests of its checkpoint
#
# Both runs are tools/train.py on the same config, seed and global batch (GLOBAL_BATCH images an
# iteration: 1 x GLOBAL_BATCH against N x GLOBAL_BATCH/N), so the learning rate needs no scaling
# and the two runs follow one recipe; the N-GPU run goes through tools/dist_train.sh (NCCL, with
# NVLink multicast off: NCCL_NVLS_ENABLE=0). They run one after the other, each with the GPUs to
# itself. The 1-GPU runs of the SEEDS other than 0 (their spread is the seed noise the N-GPU
# run's top-1 is judged against) run at the same time as the seed-0 one, each on its own GPU when
# there are enough (GPU i for the i-th seed), so they cost no extra time on an N-GPU host.
# Set up the OpenMMLab wheels and data first (tools/dev/real_data.sh setup / data).
#
# Env: CONFIG (DeiT-T-LIFE CIFAR-10), EPOCHS (30), NGPUS (2), GLOBAL_BATCH (512), WORKERS (4 a
# process), SEEDS ("0": the 1-GPU runs; the N-GPU run uses seed 0), RUNS (/tmp/runs_mgpu),
# SITE (/tmp/site: the wheels), PY (python3), EXTRA ("key=value ..." more --cfg-options);
# for `det`: DET_CONFIG (BCCD DeiT-T-LIFE + EncDec-LIFE), DET_EPOCHS (2), DET_BATCH (4 a
# process), DET_EXTRA.
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
SEEDS=${SEEDS:-0}
DET_CONFIG=${DET_CONFIG:-configs/detection/detr/detr_deit-tiny-life_encdec-life_1xb4-300e_bccd-512x512.py}
DET_EPOCHS=${DET_EPOCHS:-2}
DET_BATCH=${DET_BATCH:-4}
DET_EXTRA=${DET_EXTRA:-}
SITE=${SITE:-/tmp/site}  # where the OpenMMLab wheels were installed (real_data.sh setup)
export PYTHONPATH=$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} NCCL_NVLS_ENABLE=0

if (( GLOBAL_BATCH % NGPUS )); then
    echo "GLOBAL_BATCH=$GLOBAL_BATCH is not divisible by NGPUS=$NGPUS" >&2; exit 2
fi

options() {  # options PER_PROCESS_BATCH SEED
    echo $AMP_OPTS train_dataloader.batch_size="$1" \
        train_dataloader.num_workers="$WORKERS" train_cfg.max_epochs="$EPOCHS" \
        train_cfg.val_interval=5 default_hooks.logger.interval=20 randomness.seed="$2" $EXTRA
}

run_name() {  # the 1-GPU run of a seed: gpu1, gpu1_seed1, ...
    [ "$1" = 0 ] && echo gpu1 || echo "gpu1_seed$1"
}

amp_flags() {  # bf16 autocast on GPUs (as the single-GPU results); full precision on the CPU
    if [ "$($PY -c 'import torch; print(int(torch.cuda.is_available()))' 2>/dev/null)" = 1 ]; then
        AMP="--amp"; AMP_OPTS="optim_wrapper.dtype=bfloat16"
    else
        AMP=""; AMP_OPTS=""
    fi
}

last_ckpt() {  # the last checkpoint of a run folder
    cat "$RUNS/$1/last_checkpoint" 2>/dev/null || { echo "$RUNS/$1 has no checkpoint" >&2; exit 1; }
}

log_of() {  # the mmengine JSON log of a run folder
    ls "$RUNS/$1"/*/vis_data/[0-9]*.json 2>/dev/null | head -n1
}

case ${1:-} in
start)
    amp_flags
    mkdir -p "$RUNS/gpu$NGPUS"
    rm -f "$RUNS/done"
    ngpu_here=$($PY -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)
    singles=() i=0
    for seed in $SEEDS; do
        name=$(run_name "$seed")
        mkdir -p "$RUNS/$name"
        gpu=$(( ngpu_here > 0 ? i % ngpu_here : 0 )); i=$((i + 1))
        cmd="CUDA_VISIBLE_DEVICES=$gpu $PY tools/train.py $CONFIG --work-dir $RUNS/$name $AMP \
--cfg-options $(options "$GLOBAL_BATCH" "$seed")"
        echo "$cmd" > "$RUNS/$name/command.txt"
        singles+=("$cmd > $RUNS/$name/train.log 2>&1 &")
    done
    many="NCCL_NVLS_ENABLE=0 PYTHON=$PY PORT=${PORT:-29500} bash tools/dist_train.sh $CONFIG $NGPUS \
--work-dir $RUNS/gpu$NGPUS $AMP --cfg-options $(options $((GLOBAL_BATCH / NGPUS)) 0)"
    echo "$many" > "$RUNS/gpu$NGPUS/command.txt"
    # the 1-GPU runs side by side (one GPU each), then the N-GPU run with the GPUs to itself;
    # survives the end of this call
    printf '%s\n' "${singles[@]}" wait "$many > $RUNS/gpu$NGPUS/train.log 2>&1" \
        "touch $RUNS/done" > "$RUNS/run.sh"
    setsid nohup bash "$RUNS/run.sh" > /dev/null 2>&1 &
    cat "$RUNS/run.sh"
    ;;
wait)
    end=$((SECONDS + ${2:-60}))
    until [ -f "$RUNS/done" ] || [ $SECONDS -ge $end ]; do sleep 10; done
    for run in $(for seed in $SEEDS; do run_name "$seed"; done) "gpu$NGPUS"; do
        echo "== $run: $(grep -E 'Epoch\(train\)' "$RUNS/$run/train.log" 2>/dev/null | tail -n1 | cut -c1-150)"
        grep -E 'Epoch\(val\)' "$RUNS/$run/train.log" 2>/dev/null | tail -n1 | cut -c1-150
        grep -E 'Error|Traceback' "$RUNS/$run/train.log" 2>/dev/null | tail -n2
    done
    [ -f "$RUNS/done" ] && echo "all runs ended" || echo "still running"
    ;;
compare)
    logs=("$(log_of gpu1)" "$(log_of "gpu$NGPUS")")
    for seed in $SEEDS; do [ "$seed" = 0 ] || logs+=("$(log_of "$(run_name "$seed")")"); done
    for log in "${logs[@]}"; do [ -n "$log" ] || { echo "a run has no log yet" >&2; exit 1; }; done
    $PY tools/analysis_tools/log_summary.py "${logs[@]}" --batch-size "$GLOBAL_BATCH" --relative
    ;;
test)
    # the N-GPU run's checkpoint through tools/test.py (1 process) and tools/dist_test.sh (N):
    # the distributed sampler and the metric's gather must give the same top-1
    ckpt=$(last_ckpt "gpu$NGPUS") || exit 1
    one="$PY tools/test.py $CONFIG $ckpt --work-dir $RUNS/test1"
    many="NCCL_NVLS_ENABLE=0 PYTHON=$PY PORT=${PORT:-29500} bash tools/dist_test.sh $CONFIG $ckpt \
$NGPUS --work-dir $RUNS/test$NGPUS"
    for cmd in "$one" "$many"; do
        echo "$cmd"; eval "$cmd" 2>&1 | grep -E '^\{' | tail -n1
    done
    ;;
det)
    # detection through the same tools: N-GPU training (distributed sampler, DETR's losses
    # reduced over ranks), then its checkpoint tested in 1 and in N processes (the VOC metric
    # gathered from N ranks must equal the 1-process one)
    amp_flags
    dir=$RUNS/det_gpu$NGPUS
    mkdir -p "$dir"
    train="NCCL_NVLS_ENABLE=0 PYTHON=$PY PORT=${PORT:-29500} bash tools/dist_train.sh $DET_CONFIG \
$NGPUS --work-dir $dir $AMP --cfg-options train_dataloader.batch_size=$DET_BATCH \
train_cfg.max_epochs=$DET_EPOCHS train_cfg.val_interval=$DET_EPOCHS randomness.seed=0 $DET_EXTRA"
    echo "$train" | tee "$dir/command.txt"
    eval "$train" > "$dir/train.log" 2>&1 || { tail -n 20 "$dir/train.log"; exit 1; }
    ckpt=$(last_ckpt "det_gpu$NGPUS") || exit 1
    for n in 1 "$NGPUS"; do
        if [ "$n" = 1 ]; then
            cmd="$PY tools/test.py $DET_CONFIG $ckpt --work-dir $dir/test1"
        else
            cmd="NCCL_NVLS_ENABLE=0 PYTHON=$PY PORT=${PORT:-29500} bash tools/dist_test.sh \
$DET_CONFIG $ckpt $n --work-dir $dir/test$n"
        fi
        echo "$cmd" | tee -a "$dir/test_commands.txt"
        eval "$cmd" > "$dir/test$n.log" 2>&1 || { tail -n 20 "$dir/test$n.log"; exit 1; }
        grep -E '^\{' "$dir/test$n.log" | tail -n1
    done
    ;;
*)
    sed -n '2,25p' "$0"; exit 2 ;;
esac
