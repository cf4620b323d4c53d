#!/usr/bin/env bash
# Real-data runs on one GPU machine: LIFE vs no LIFE on CIFAR-10, Imagenette, BCCD, Groceries and
# CamVid (docs/results.md).
# Every run is tools/train.py / tools/test.py on a repo config; overrides are only --cfg-options,
# written to $RUNS/<run>/command.txt. Phases, so that one long job can span several calls:
#
#   tools/dev/real_data.sh setup            # OpenMMLab wheels (WHEELS dir) -> /tmp/site
#   tools/dev/real_data.sh data             # data/*.tar.xz (or its split parts *.tar.xz.part-*)
#                                           # -> /tmp/mmlife_data, linked under data/
#   tools/dev/real_data.sh start cifar bccd camvid   # both arms of each, in the background (setsid)
#   tools/dev/real_data.sh start resnet18   # ResNet-18 on CIFAR-10, the paper's CNN recipe
#   tools/dev/real_data.sh start imagenette # DeiT-T and DeiT-T-LIFE classifiers on Imagenette
#   tools/dev/real_data.sh pretrain         # their last checkpoints -> pretrain/*_imagenette_backbone.pth
#   tools/dev/real_data.sh start groceries  # the six DETR variants from random init on Groceries
#   tools/dev/real_data.sh start groceries-pre bccd-pre camvid-pre   # the Imagenette-pre-trained pairs
#   tools/dev/real_data.sh start cond-groceries cond-groceries-pre cond-bccd-pre   # the same
#                                           # pairs with Conditional DETR (configs/detection/conditional_detr)
#   tools/dev/real_data.sh start cond-bccd-pre-b32  # the BCCD pair with the batch-32 recipe
#   tools/dev/real_data.sh start cond-bccd-detpre   # the same, each arm initialised from the last
#                                           # checkpoint of its cond-groceries-pre run (load_from)
#   tools/dev/real_data.sh wait SECONDS     # progress until all runs end or SECONDS pass
#   tools/dev/real_data.sh test             # tools/test.py on each run's last checkpoint
#   tools/dev/real_data.sh spread           # det_feature_spread.py on each detection run's last
#                                           # checkpoint -> $RUNS/<run>/feature_spread.md
#   tools/dev/real_data.sh figures          # Dense Roll-Out comparisons of the BCCD / CamVid /
#                                           # Groceries pairs (random init and Imagenette-pre;
#                                           # DETR and Conditional DETR)
#   tools/dev/real_data.sh collect DIR      # logs (one tarball), fp16 weights of the CIFAR runs,
#                                           # the Imagenette backbones (pretrain/) as fp16
#   tools/dev/real_data.sh fp32-pretrain    # data/*_imagenette_backbone_fp16.pth -> pretrain/
#   tools/dev/real_data.sh stop [SECONDS]   # stop each run right after its next checkpoint
#                                           # (runs saving one every epoch: the end of a session)
#   tools/dev/real_data.sh pack-resume DIR  # each run's last checkpoint (weights, optimizer, EMA)
#                                           # split into parts of at most PART_MB MiB in DIR
#   tools/dev/real_data.sh unpack-resume    # data/<run>.pth.part-* -> $RUNS/<run>/ + its
#                                           # last_checkpoint, so that RESUME=1 start continues
#
# Budgets (env): CIFAR_EPOCHS (100), BCCD_EPOCHS (150), CAMVID_ITERS (10000, the config's own),
# CIFAR_WORKERS (4), CIFAR_ARMS ("deit-tiny deit-tiny-life": pick one to re-run an arm alone;
# "deit-tiny-convtok deit-tiny-life-convtok" with CIFAR_RECIPE=official: the convolutional tokenizer;
# "t2t-vit-12 t2t-vit-12-life", "swinv2-tiny-w8 swinv2-tiny-w8-life": those pairs, either recipe),
# SEED (0; other seeds get a _seedN run name), RUNS (/tmp/runs), EXTRA (more --cfg-options
# key=value of every run started, for an ablation) with TAG (appended to those runs' names).
# GROCERIES_VAL (10: validation every so many epochs, random init and pre-trained),
# IMAGENETTE_EPOCHS (100, the config's own), IMAGENETTE_BATCH (256; --auto-scale-lr scales the DeiT lr 5e-4 per 512 images to it),
# IMAGENETTE_WORKERS (6), GROCERIES_EPOCHS (150, the config's),
# GROCERIES_ARMS (the six "backbone_variant" names; pick some to re-run them alone), COND_ARMS
# (the Conditional DETR pairs' "deit-tiny_encdec-linear deit-tiny-life_encdec-life"; pick one;
# cond-groceries also takes the other four random-init variants, e.g. deit-tiny_encdec),
# COND_GROCERIES_EPOCHS (50), COND_BCCD_EPOCHS (100) and COND_BCCD_B32_EPOCHS (300): the
# Conditional DETR configs' own,
# GPUS ("0 1": runs started by one call go to these GPUs in turn; unset: the default GPU).
# MMLIFE_LIFE_IMPL=fast forces the Triton LIFE path (and goes into command.txt).
# CIFAR_RECIPE (deit: the configs' DeiT recipe; official: the *-official_cifar10.py configs, with
# repeated augmentation and EMA). RESUME=1: every run started resumes from the last checkpoint in
# its work dir (tools/train.py --resume; written to command.txt as a second line).
# RUN_GLOB: the runs that stop and pack-resume act on (cifar10_*), and test and spread (all);
# PART_MB (15). MAX_RUNS: `start` launches a run only while fewer training runs of $RUNS are
# alive, waiting for one to end otherwise (a queue: run `start` itself in the background, e.g.
# under setsid, when it has to wait).
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-/tmp/runs}
WHEELS=${WHEELS:-.whl_gpu}
CIFAR_EPOCHS=${CIFAR_EPOCHS:-100}
BCCD_EPOCHS=${BCCD_EPOCHS:-150}
CAMVID_ITERS=${CAMVID_ITERS:-10000}
IMAGENETTE_EPOCHS=${IMAGENETTE_EPOCHS:-100}
IMAGENETTE_BATCH=${IMAGENETTE_BATCH:-256}
IMAGENETTE_WORKERS=${IMAGENETTE_WORKERS:-6}
GROCERIES_EPOCHS=${GROCERIES_EPOCHS:-150}
COND_GROCERIES_EPOCHS=${COND_GROCERIES_EPOCHS:-50}
COND_BCCD_EPOCHS=${COND_BCCD_EPOCHS:-100}
COND_BCCD_B32_EPOCHS=${COND_BCCD_B32_EPOCHS:-300}
GROCERIES_ARMS=${GROCERIES_ARMS:-deit-tiny_encdec deit-tiny_encdec-linear deit-tiny_encdec-life \
deit-tiny-life_encdec deit-tiny-life_encdec-linear deit-tiny-life_encdec-life}
# the Imagenette-pre-trained pairs: DeiT-T + EncDec-Linear against DeiT-T-LIFE + EncDec-LIFE
PRE_PAIR="deit-tiny-imagenette-pre_encdec-linear deit-tiny-life-imagenette-pre_encdec-life"
read -ra GPU_LIST <<< "${GPUS:-}"
N_LAUNCHED=0
export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1
# dataloader workers are processes: one BLAS/OpenMP thread each, or 16-core machines thrash
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
CIFAR_WORKERS=${CIFAR_WORKERS:-4}
CIFAR_ARMS=${CIFAR_ARMS:-deit-tiny deit-tiny-life}
case ${CIFAR_RECIPE:-deit} in
    deit) CIFAR_RECIPE_SUFFIX= ;;
    official) CIFAR_RECIPE_SUFFIX=-official ;;
    *) echo "CIFAR_RECIPE must be deit or official, got $CIFAR_RECIPE"; exit 2 ;;
esac
PY=${PY:-python3}
SEED=${SEED:-0}
SUFFIX=$([ "$SEED" = 0 ] || echo "_seed$SEED")  # run names: camvid_deit-tiny, camvid_deit-tiny_seed1

launch() {  # launch NAME CONFIG [train.py args..., ending with --cfg-options ...]
    local name=$1${TAG:-} config=$2; shift 2
    # MAX_RUNS: wait for a free slot (one GPU shared by too many runs is slower than a queue)
    while [ "$(n_runs)" -ge "${MAX_RUNS:-1000}" ]; do sleep 15; done
    # shellcheck disable=SC2206  # EXTRA is a list of key=value words
    [ -n "${EXTRA:-}" ] && set -- "$@" ${EXTRA}
    local dir=$RUNS/$name
    mkdir -p "$dir"
    # GPUS set: this run's GPU, in turn (not part of the recipe, so not in command.txt)
    local gpu=
    [ ${#GPU_LIST[@]} -gt 0 ] && gpu=${GPU_LIST[$((N_LAUNCHED % ${#GPU_LIST[@]}))]}
    N_LAUNCHED=$((N_LAUNCHED + 1))
    # the LIFE implementation is part of the command when it is forced (MMLIFE_LIFE_IMPL=fast)
    local resume=()
    if [ "${RESUME:-0}" = 1 ]; then
        [ -f "$dir/last_checkpoint" ] || { echo "RESUME=1 but $dir has no last_checkpoint" \
            "(unpack-resume first)"; return 1; }
        resume=(--resume)
    else
        : > "$dir/command.txt"
    fi
    # a resumed run's command follows the first one, which stays the first line (config_of)
    echo "${MMLIFE_LIFE_IMPL:+MMLIFE_LIFE_IMPL=$MMLIFE_LIFE_IMPL }$PY tools/train.py $config --work-dir $dir${resume:+ --resume} $*" \
        >> "$dir/command.txt"
    env ${gpu:+CUDA_VISIBLE_DEVICES=$gpu} \
        setsid nohup $PY tools/train.py "$config" --work-dir "$dir" "${resume[@]}" "$@" \
        >> "$dir/train.log" 2>&1 &
    echo "started $name (pid $!${gpu:+, GPU $gpu}): $(tail -n1 "$dir/command.txt")"
}

cast_weights() {  # cast_weights SRC DST half|float: the state dict's float tensors cast, plain meta kept
    # (of an EMAHook run, the trained weights, which its logs validated, not the EMA)
    $PY - "$@" <<'PY'
import sys, torch
import mmlife  # noqa: F401  (the checkpoint allowlist)
from mmlife.utils.convert import trained_weights
ckpt = torch.load(sys.argv[1], map_location='cpu', weights_only=True)
# a checkpoint (of an EMAHook run: its trained weights), or a bare state dict
state = trained_weights(ckpt) if 'ema_state_dict' in ckpt else ckpt.get('state_dict', ckpt)
meta = {k: v for k, v in ckpt.get('meta', {}).items() if isinstance(v, (int, float, str))}
torch.save({'state_dict': {k: getattr(v, sys.argv[3])() if v.is_floating_point() else v
                           for k, v in state.items()}, 'meta': meta}, sys.argv[2])
PY
}

cifar_config() {  # the CIFAR-10 config of a CIFAR_ARMS name (DeiT, T2T-ViT-12 or SwinV2-T)
    case $1 in
        deit-*) echo "configs/classification/deit/$1_p4_8xb64${CIFAR_RECIPE_SUFFIX}_cifar10.py" ;;
        t2t-vit-12*) echo "configs/classification/t2t_vit/$1_8xb64${CIFAR_RECIPE_SUFFIX}_cifar10.py" ;;
        swinv2-tiny-w8*)
            echo "configs/classification/swinv2/$1_p1_8xb64${CIFAR_RECIPE_SUFFIX}_cifar10.py" ;;
        *) echo "unknown CIFAR arm $1 (deit-*, t2t-vit-12*, swinv2-tiny-w8*)" >&2; return 1 ;;
    esac
}

config_of() {  # the config a run was launched with (the word after tools/train.py, first line)
    awk 'NR == 1 {for (i = 1; i < NF; i++) if ($i == "tools/train.py") print $(i + 1)}' \
        "$1/command.txt"
}

opts_of() {  # the --cfg-options words a run was launched with (first line): the model's too,
    # e.g. a focal-loss head predicts with sigmoid scores, so tests and figures need them
    awk 'NR == 1 {for (i = 1; i <= NF; i++) if (on) print $i; else if ($i == "--cfg-options") on = 1}' \
        "$1/command.txt"
}

have_pretrain() {  # the Imagenette backbones that the *-imagenette-pre configs load
    local arm missing=0
    for arm in deit-tiny deit-tiny-life; do
        [ -f "pretrain/${arm}_imagenette_backbone.pth" ] ||
            { echo "pretrain/${arm}_imagenette_backbone.pth is missing: run 'start imagenette'" \
                   "then 'pretrain'"; missing=1; }
    done
    return $missing
}

n_runs() {  # training runs of $RUNS alive: processes `<python> tools/train.py ... --work-dir
    # $RUNS/<name> ...` whose parent is no such process (not loader workers); a shell whose command
    # line only mentions tools/train.py (e.g. `bash -c '... pgrep -f tools/train.py'`) is not a
    # run, and neither is a training run of another work dir (tests, another set of runs).
    # -ww: whole command lines, also where COLUMNS is set (ps cuts them to its width otherwise)
    ps -ww -eo pid=,ppid=,args= | awk -v dir="$RUNS/" '$3 ~ /python[0-9.]*$/ && $4 == "tools/train.py" {
            for (i = 5; i < NF; i++) if ($i == "--work-dir" && index($(i + 1), dir) == 1) {
                pid[$1] = 1; ppid[$1] = $2}}
        END {n = 0; for (p in pid) if (!(ppid[p] in pid)) n++; print n}'
}

case ${1:-} in
setup)
    $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$WHEELS"/*.whl
    # The GPU image ships transformers 5, and with pycocotools present mmpretrain 1.2.0 then imports
    # its BLIP models, which need transformers 4 and fail at import. A metadata-only stub at the
    # front of the path reports transformers 0.0.0, so mmpretrain registers placeholders instead.
    mkdir -p /tmp/site/transformers-0.0.0.dist-info
    printf 'Metadata-Version: 2.1\nName: transformers\nVersion: 0.0.0\n' \
        > /tmp/site/transformers-0.0.0.dist-info/METADATA
    # mmcv-lite (no compiled ops) is enough for classification; mmdet / mmseg need the full mmcv
    $PY -c "import importlib, torch, mmcv, mmengine, mmpretrain; \
ops = importlib.util.find_spec('mmcv._ext') is not None; \
print('torch', torch.__version__, torch.cuda.get_device_name(), '| mmcv', mmcv.__version__, \
      'with ops' if ops else 'lite (no ops: classification only)'); \
[print(m, importlib.import_module(m).__version__) for m in ('mmdet', 'mmseg') \
 if importlib.util.find_spec(m)]"
    ;;
data)
    mkdir -p /tmp/mmlife_data data
    # an archive too large for one device call (imagenette_160.tar.xz with the tree is over 64 MiB)
    # comes in parts made by `split -b 40M X.tar.xz X.tar.xz.part-`: joined here
    # (only once every part is there: the joined file must pass `xz -t`)
    for first in data/*.tar.xz.part-aa; do
        [ -e "$first" ] && [ ! -f "${first%.part-aa}" ] || continue
        whole=${first%.part-aa}
        cat "${first%-aa}"-* > "$whole.tmp"
        if xz -t "$whole.tmp" 2>/dev/null; then mv "$whole.tmp" "$whole"
        else rm -f "$whole.tmp"; echo "$whole: parts incomplete ($(ls "${first%-aa}"-* | wc -l) so far)"; fi
    done
    for a in data/*.tar.xz; do
        [ -f "$a" ] || continue
        [ -f "/tmp/mmlife_data/.$(basename "$a")" ] && continue
        tar -xJf "$a" -C /tmp/mmlife_data && touch "/tmp/mmlife_data/.$(basename "$a")"
    done
    [ -d /tmp/mmlife_data/cifar10_jpeg ] && ln -sfn /tmp/mmlife_data/cifar10_jpeg data/cifar10
    [ -d /tmp/mmlife_data/BCCD ] && ln -sfn /tmp/mmlife_data/BCCD data/BCCD
    [ -d /tmp/mmlife_data/camvid_jpg/CamVid ] && ln -sfn /tmp/mmlife_data/camvid_jpg/CamVid data/CamVid
    [ -d /tmp/mmlife_data/Groceries ] && ln -sfn /tmp/mmlife_data/Groceries data/Groceries
    [ -d /tmp/mmlife_data/imagenette_160 ] && ln -sfn /tmp/mmlife_data/imagenette_160 data/imagenette
    ls -l data/
    ;;
start)
    shift
    for task in "$@"; do
        case $task in
        cifar)
            for arm in $CIFAR_ARMS; do
                config=$(cifar_config "$arm") || exit 2
                [ -f "$config" ] || { echo "$arm: no config $config (CIFAR_RECIPE?)"; exit 2; }
                launch "cifar10_$arm$SUFFIX" "$config" --amp \
                    --cfg-options optim_wrapper.dtype=bfloat16 \
                    train_dataloader.batch_size=512 train_dataloader.num_workers="$CIFAR_WORKERS" \
                    val_dataloader.batch_size=1000 val_dataloader.num_workers=2 \
                    train_cfg.max_epochs="$CIFAR_EPOCHS" train_cfg.val_interval=5 \
                    default_hooks.checkpoint.interval=10 default_hooks.logger.interval=20 \
                    randomness.seed="$SEED"
            done ;;
        resnet18)
            # the CNN reference of Table 1: ResNet-18 with the paper's CNN recipe (SGD, batch 128,
            # the config's 200 epochs)
            launch "cifar10_resnet18$SUFFIX" configs/classification/resnet/resnet18_1xb128_cifar10.py \
                --amp --cfg-options optim_wrapper.dtype=bfloat16 \
                train_dataloader.num_workers="$CIFAR_WORKERS" \
                val_dataloader.batch_size=1000 val_dataloader.num_workers=2 \
                default_hooks.checkpoint.interval=10 default_hooks.logger.interval=50 \
                randomness.seed="$SEED" ;;
        bccd)
            for arm in deit-tiny_encdec-linear deit-tiny-life_encdec-life; do
                launch "bccd_$arm$SUFFIX" "configs/detection/detr/detr_${arm}_1xb4-300e_bccd-512x512.py" \
                    --cfg-options train_cfg.max_epochs="$BCCD_EPOCHS" train_cfg.val_interval=10 \
                    param_scheduler.0.end="$BCCD_EPOCHS" \
                    "param_scheduler.0.milestones=[$((BCCD_EPOCHS * 2 / 3))]" \
                    default_hooks.checkpoint.interval=10 randomness.seed="$SEED"
            done ;;
        imagenette)
            # 9,469 images: batch 256 (37 steps an epoch) rather than the recipe's 512 (18)
            for arm in deit-tiny deit-tiny-life; do
                launch "imagenette_$arm$SUFFIX" "configs/classification/deit/${arm}_p16_8xb64_imagenette.py" \
                    --amp --auto-scale-lr --cfg-options optim_wrapper.dtype=bfloat16 \
                    train_dataloader.batch_size="$IMAGENETTE_BATCH" \
                    train_dataloader.num_workers="$IMAGENETTE_WORKERS" \
                    val_dataloader.batch_size=256 val_dataloader.num_workers=2 \
                    train_cfg.max_epochs="$IMAGENETTE_EPOCHS" train_cfg.val_interval=5 \
                    default_hooks.logger.interval=10 randomness.seed="$SEED"
            done ;;
        groceries)
            for arm in $GROCERIES_ARMS; do
                launch "groceries_$arm$SUFFIX" "configs/detection/detr/detr_${arm}_1xb16-150e_groceries-320x320.py" \
                    --cfg-options train_cfg.max_epochs="$GROCERIES_EPOCHS" \
                    train_cfg.val_interval="${GROCERIES_VAL:-10}" \
                    param_scheduler.0.end="$GROCERIES_EPOCHS" \
                    "param_scheduler.0.milestones=[$((GROCERIES_EPOCHS * 2 / 3))]" \
                    default_hooks.checkpoint.interval=10 randomness.seed="$SEED"
            done ;;
        groceries-pre|bccd-pre)
            have_pretrain || exit 1
            for arm in $PRE_PAIR; do
                if [ "$task" = groceries-pre ]; then
                    epochs=$GROCERIES_EPOCHS val=${GROCERIES_VAL:-10}
                    config=configs/detection/detr/detr_${arm}_1xb16-150e_groceries-320x320.py
                else
                    epochs=$BCCD_EPOCHS val=10
                    config=configs/detection/detr/detr_${arm}_1xb4-300e_bccd-512x512.py
                fi
                launch "${task%-pre}_$arm$SUFFIX" "$config" \
                    --cfg-options train_cfg.max_epochs="$epochs" train_cfg.val_interval="$val" \
                    param_scheduler.0.end="$epochs" "param_scheduler.0.milestones=[$((epochs * 2 / 3))]" \
                    default_hooks.checkpoint.interval=10 randomness.seed="$SEED"
            done ;;
        cond-groceries|cond-groceries-pre|cond-bccd-pre|cond-bccd-pre-b32|cond-bccd-detpre)
            # Conditional DETR: DeiT-T + EncDec-Linear against DeiT-T-LIFE + EncDec-LIFE
            # (cond-bccd-pre-b32: the BCCD pair with the batch-32 recipe, runs cond-bccd-b32_*;
            # cond-bccd-detpre: the same from the Groceries detectors, runs cond-bccd-detpre_*)
            # tag: part of the run names; both BCCD tasks that set it use the batch-32 recipe
            tag=
            case $task in
                cond-bccd-pre-b32) tag=-b32; task=cond-bccd-pre ;;
                cond-bccd-detpre) tag=-detpre; task=cond-bccd-pre ;;
            esac
            pre=; [ "${task%-pre}" = "$task" ] || { have_pretrain || exit 1; pre=-imagenette-pre; }
            for arm in ${COND_ARMS:-deit-tiny_encdec-linear deit-tiny-life_encdec-life}; do
                arm=${arm/_/$pre\_}
                load=() partial=()
                if [ "$tag" = -detpre ]; then
                    # all but the 25-class classifier fits (--allow-partial: that one keeps
                    # its initialisation; mmpretrain resizes the position embedding)
                    src=$RUNS/cond-groceries_$arm$SUFFIX
                    [ -f "$src/last_checkpoint" ] || { echo "no checkpoint in $src:" \
                        "start cond-groceries-pre first"; exit 1; }
                    load=("load_from=$(cat "$src/last_checkpoint")") partial=(--allow-partial)
                fi
                if [ -n "$tag" ]; then
                    epochs=$COND_BCCD_B32_EPOCHS val=25 schedule=1xb32-300e_bccd-512x512
                elif [ "${task#cond-bccd}" != "$task" ]; then
                    epochs=$COND_BCCD_EPOCHS val=10 schedule=1xb4-100e_bccd-512x512
                else
                    epochs=$COND_GROCERIES_EPOCHS val=${GROCERIES_VAL:-5}
                    schedule=1xb16-50e_groceries-320x320
                fi
                launch "${task%-pre}${tag}_$arm$SUFFIX" \
                    "configs/detection/conditional_detr/conditional-detr_${arm}_${schedule}.py" \
                    "${partial[@]}" \
                    --cfg-options train_cfg.max_epochs="$epochs" train_cfg.val_interval="$val" \
                    param_scheduler.0.end="$epochs" "param_scheduler.0.milestones=[$((epochs * 2 / 3))]" \
                    default_hooks.checkpoint.interval=10 randomness.seed="$SEED" "${load[@]}"
            done ;;
        camvid-pre)
            have_pretrain || exit 1
            for arm in deit-tiny deit-tiny-life; do
                launch "camvid_${arm}_imagenette-pre$SUFFIX" \
                    "configs/segmentation/linear/linear_${arm}_imagenette-pre_1xb8-10k_camvid-352x480.py" \
                    --cfg-options train_cfg.max_iters="$CAMVID_ITERS" train_cfg.val_interval=1000 \
                    param_scheduler.0.end="$CAMVID_ITERS" \
                    default_hooks.checkpoint.interval=1000 randomness.seed="$SEED"
            done ;;
        camvid)
            for arm in deit-tiny deit-tiny-life; do
                launch "camvid_$arm$SUFFIX" "configs/segmentation/linear/linear_${arm}_1xb8-10k_camvid-352x480.py" \
                    --cfg-options train_cfg.max_iters="$CAMVID_ITERS" train_cfg.val_interval=1000 \
                    param_scheduler.0.end="$CAMVID_ITERS" \
                    default_hooks.checkpoint.interval=1000 randomness.seed="$SEED"
            done ;;
        *) echo "unknown task $task"; exit 2 ;;
        esac
    done ;;
stop)
    # stop each run of RUN_GLOB right after its next checkpoint (at most ${2:-60} s, then as it
    # is), so that pack-resume loses no training: the run ends by SIGTERM, its loader workers too
    for dir in "$RUNS"/${RUN_GLOB:-cifar10_*}/; do
        name=$(basename "$dir")
        old=$(cat "$dir/last_checkpoint" 2>/dev/null)
        (
            end=$((SECONDS + ${2:-60}))
            while [ "$(cat "$dir/last_checkpoint" 2>/dev/null)" = "$old" ] && [ $SECONDS -lt $end ]; do
                sleep 0.5
            done
            pkill -TERM -f -- "--work-dir $RUNS/$name( |\$)"
            echo "$name: stopped after $(cat "$dir/last_checkpoint" 2>/dev/null)"
        ) &
    done
    wait
    sleep 5
    echo "runs still training: $(n_runs)" ;;
wait)
    end=$((SECONDS + ${2:-60}))
    while :; do
        running=$(n_runs)
        [ "$running" -eq 0 ] || [ $SECONDS -ge $end ] && break
        sleep 20
    done
    for log in "$RUNS"/*/train.log; do
        [ -f "$log" ] || continue  # no run yet
        echo "== $(basename "$(dirname "$log")"): $(grep -E 'Epoch\(train\)|Iter\(train\)' "$log" | tail -n1 | cut -c1-160)"
        grep -E 'Epoch\(val\)|Iter\(val\)' "$log" | tail -n1 | cut -c1-200
        grep -E 'Error|Traceback' "$log" | tail -n2
    done
    echo "runs still training: $(n_runs)"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
    fi ;;
pretrain)
    # the last checkpoint of each Imagenette classifier -> the backbone init file of the
    # *-imagenette-pre configs (checked: it loads into the CamVid config's backbone)
    mkdir -p pretrain
    for arm in deit-tiny deit-tiny-life; do
        dir=$RUNS/imagenette_$arm$SUFFIX
        ckpt=$(cat "$dir/last_checkpoint" 2>/dev/null) || { echo "$dir: no checkpoint"; continue; }
        cmd=(tools/model_converters/cls2backbone.py "$ckpt" "pretrain/${arm}_imagenette_backbone.pth"
             --check-config "configs/segmentation/linear/linear_${arm}_imagenette-pre_1xb8-10k_camvid-352x480.py")
        echo "$PY ${cmd[*]}" | tee "$dir/pretrain_command.txt"
        $PY "${cmd[@]}" || exit 1
    done ;;
test)
    for dir in "$RUNS"/${RUN_GLOB:-*}/; do
        name=$(basename "$dir")
        ckpt=$(cat "$dir/last_checkpoint" 2>/dev/null) || { echo "$name: no checkpoint"; continue; }
        config=$(config_of "$dir")
        mapfile -t opts < <(opts_of "$dir")
        echo "$PY tools/test.py $config $ckpt --work-dir $dir/test${opts[*]:+ --cfg-options ${opts[*]}}" \
            > "$dir/test_command.txt"
        $PY tools/test.py "$config" "$ckpt" --work-dir "$dir/test" \
            ${opts[@]:+--cfg-options "${opts[@]}"} > "$dir/test.log" 2>&1
        echo "$name: $(tail -n1 "$dir/test.log")"
    done ;;
spread)
    # how much the tokens of each trained detector differ, stage by stage (4 val images; the
    # table says whether the encoder's memory and the decoder's queries still carry the image)
    for dir in "$RUNS"/${RUN_GLOB:-*}/; do
        name=$(basename "$dir")
        config=$(config_of "$dir")
        [ "${config#configs/detection/}" != "$config" ] || continue
        ckpt=$(cat "$dir/last_checkpoint" 2>/dev/null) || { echo "$name: no checkpoint"; continue; }
        mapfile -t opts < <(opts_of "$dir" | grep '^model\.')
        cmd=(tools/analysis_tools/det_feature_spread.py "$config" "$ckpt"
             --device "$(command -v nvidia-smi >/dev/null && echo cuda || echo cpu)")
        [ ${#opts[@]} -gt 0 ] && cmd+=(--cfg-options "${opts[@]}")
        { echo "$PY ${cmd[*]}"; echo; $PY "${cmd[@]}" 2>/dev/null | grep "^|"; } > "$dir/feature_spread.md"
        echo "$name: $(grep -E '^\| (memory|decoder\.5) ' "$dir/feature_spread.md" | tr -s ' ' | tr '\n' ' ')"
    done ;;
figures)
    # one Dense Roll-Out comparison (no LIFE above, LIFE below) per pair on two test images,
    # written to $RUNS/figures (collect packs it with the logs)
    figure_pair() {  # figure_pair TASK IMAGES...: the task's first random-init runs, no LIFE / LIFE
        local task=$1 runs; shift
        runs=$(ls -d "$RUNS/${task}"_*/ 2>/dev/null | grep -v imagenette-pre)
        figure_runs "$task" "$(grep -v life <<< "$runs" | head -n1)" \
            "$(grep life <<< "$runs" | head -n1)" "$@"
    }
    figure_runs() {  # figure_runs NAME BASE_RUN LIFE_RUN IMAGES...
        local task=$1 base=$2 life=$3; shift 3
        [ -d "$base" ] && [ -d "$life" ] || { echo "$task: no pair of runs in $RUNS"; return; }
        local cmd=(tools/visualization/compare_rollout.py
                   "$(config_of "$base")" "$(cat "$base/last_checkpoint")"
                   "$(config_of "$life")" "$(cat "$life/last_checkpoint")"
                   "$@" --names no-LIFE LIFE --out "$RUNS/figures/$task")
        # the runs' model options (both arms of a pair are launched with the same ones)
        local opts
        mapfile -t opts < <(opts_of "$base" | grep '^model\.')
        [ ${#opts[@]} -gt 0 ] && cmd+=(--cfg-options "${opts[@]}")
        echo "$PY ${cmd[*]}" | tee -a "$RUNS/figures/commands.txt"
        $PY "${cmd[@]}" 2>&1 | tail -n3
    }
    mkdir -p "$RUNS/figures"
    bccd_imgs=$(head -n2 data/BCCD/ImageSets/Main/test.txt 2>/dev/null |
                sed 's|^|data/BCCD/JPEGImages/|; s|$|.jpg|')
    camvid_imgs=$(ls data/CamVid/test/* 2>/dev/null | head -n2)
    figure_pair bccd $bccd_imgs --score-thr 0.3
    figure_pair camvid $camvid_imgs
    # the Imagenette-pre-trained pairs of BCCD and CamVid, where they ran
    figure_runs bccd-imagenette-pre "$RUNS/bccd_deit-tiny-imagenette-pre_encdec-linear$SUFFIX" \
        "$RUNS/bccd_deit-tiny-life-imagenette-pre_encdec-life$SUFFIX" $bccd_imgs --score-thr 0.3
    figure_runs camvid-imagenette-pre "$RUNS/camvid_deit-tiny_imagenette-pre$SUFFIX" \
        "$RUNS/camvid_deit-tiny-life_imagenette-pre$SUFFIX" $camvid_imgs
    # Groceries: DeiT-T + EncDec-Linear against DeiT-T-LIFE + EncDec-LIFE, random init and
    # Imagenette-pre-trained
    groceries_imgs=$(head -n2 data/Groceries/ImageSets/Main/test.txt 2>/dev/null |
                     sed 's|^|data/Groceries/JPEGImages/|; s|$|.jpg|')
    for pre in "" -imagenette-pre; do
        for det in "" cond-; do  # DETR and Conditional DETR
            figure_runs "${det}groceries$pre" "$RUNS/${det}groceries_deit-tiny${pre}_encdec-linear$SUFFIX" \
                "$RUNS/${det}groceries_deit-tiny-life${pre}_encdec-life$SUFFIX" $groceries_imgs --score-thr 0.3
        done
    done
    figure_runs cond-bccd-imagenette-pre "$RUNS/cond-bccd_deit-tiny-imagenette-pre_encdec-linear$SUFFIX" \
        "$RUNS/cond-bccd_deit-tiny-life-imagenette-pre_encdec-life$SUFFIX" $bccd_imgs --score-thr 0.3
    ;;
collect)
    out=${2:?collect needs a folder}
    mkdir -p "$out"
    (cd "$RUNS" && tar -czf "$out/logs.tar.gz" --exclude='*.pth' --exclude='*.pkl' .)
    for dir in "$RUNS"/cifar10_*/; do
        ckpt=$(cat "$dir/last_checkpoint" 2>/dev/null) || continue
        cast_weights "$ckpt" "$out/$(basename "$dir").pth" half || exit 1
    done
    # the Imagenette backbones (not in the repo; the *-imagenette-pre configs read them)
    # as float16 (11 MB each instead of 22): `fp32-pretrain` turns them back into init files
    for f in pretrain/*_imagenette_backbone.pth; do
        [ -f "$f" ] || continue
        cast_weights "$f" "$out/$(basename "${f%.pth}")_fp16.pth" half || exit 1
    done
    ls -la "$out" ;;
pack-resume)
    # the last checkpoint of each run (RUN_GLOB) in parts a device call can return:
    # DIR/<run>.pth.part-aa, -ab, ... and DIR/<run>.pth.sha256 (joined and checked by unpack-resume)
    out=${2:?pack-resume needs a folder}
    mkdir -p "$out"
    for dir in "$RUNS"/${RUN_GLOB:-cifar10_*}/; do
        ckpt=$(cat "$dir/last_checkpoint" 2>/dev/null) || continue
        name=$(basename "$dir")
        split -b "${PART_MB:-15}M" "$ckpt" "$out/$name.pth.part-"
        (cd "$(dirname "$ckpt")" && sha256sum "$(basename "$ckpt")") > "$out/$name.pth.sha256"
        echo "$name: $(basename "$ckpt") in $(ls "$out/$name.pth.part-"* | wc -l) parts"
    done ;;
unpack-resume)
    # data/<run>.pth.part-* (from pack-resume) -> $RUNS/<run>/<checkpoint> and last_checkpoint;
    # a run whose parts are not all there yet (the checksum fails) is left for a later call
    for sum in data/*.pth.sha256; do
        [ -f "$sum" ] || continue
        name=$(basename "$sum" .pth.sha256)
        file=$(awk '{print $2}' "$sum")
        mkdir -p "$RUNS/$name"
        cat "data/$name.pth.part-"* > "$RUNS/$name/$file.tmp"
        if (cd "$RUNS/$name" && sed 's/$/.tmp/' "$OLDPWD/$sum" | sha256sum --quiet -c -) > /dev/null 2>&1; then
            mv "$RUNS/$name/$file.tmp" "$RUNS/$name/$file"
            echo "$RUNS/$name/$file" > "$RUNS/$name/last_checkpoint"
            echo "$name: $file restored"
        else
            rm -f "$RUNS/$name/$file.tmp"
            echo "$name: parts incomplete ($(ls "data/$name.pth.part-"* 2>/dev/null | wc -l) so far)"
        fi
    done ;;
fp32-pretrain)
    # the float16 backbones written by `collect`, carried back as data/*_imagenette_backbone_fp16.pth
    # -> pretrain/*_imagenette_backbone.pth (float32), as the *-imagenette-pre configs read them
    mkdir -p pretrain
    for f in data/*_imagenette_backbone_fp16.pth; do
        [ -f "$f" ] || continue
        cast_weights "$f" "pretrain/$(basename "${f%_fp16.pth}").pth" float || exit 1
        echo "pretrain/$(basename "${f%_fp16.pth}").pth"
    done ;;
*)
    sed -n '2,31p' "$0"; exit 2 ;;
esac
