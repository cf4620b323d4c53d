#!/usr/bin/env bash
# DETR training-step speed on one GPU at 512 x 512 (tools/analysis_tools/profile_det_step.py),
# for DeiT-T-LIFE + EncDec-LIFE and DeiT-T + EncDec-Linear (BCCD configs):
#   (a) stock DETRHead vs BatchedMatchDETRHead (fp16, batch 16)
#   (b) AMP fp16 vs bf16 (BatchedMatchDETRHead, batch 16)
#   (c) batch 4 vs 16 vs 32 (BatchedMatchDETRHead, fp16)
#   (d) torch's foreach AdamW instead of the configs' fused one (EncDec-LIFE, fp16, batch 16)
# SET=compile runs only (e): eager vs the backbone, encoder and decoder compiled
# (compile_modules, mmlife.engine.CompileModulesHook), both models, fp16, batch 32.
# One JSON per run under $DEST (default $OUT/det, else work_dirs/det_speed), plus the tables in
# $DEST/summary.txt. Synthetic batches (random images and boxes), or DATA=bccd: the BCCD train
# loader (data/BCCD); the step times exclude the wait for the batch either way.
# Env: DEST, DATA, ITERS (10), WARMUP (3), PY (python3), EXTRA (more --cfg-options key=value).
# Run from the repository root with mmlife importable, e.g. PYTHONPATH=/tmp/site:$PWD.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=${DEST:-${OUT:+$OUT/det}}
DEST=${DEST:-work_dirs/det_speed}
ITERS=${ITERS:-10}
WARMUP=${WARMUP:-3}
PY=${PY:-python3}
case ${DATA:-synthetic} in
  synthetic) DATA=--synthetic ;;
  bccd) DATA= ;;
  *) echo "DATA must be synthetic or bccd, got $DATA" >&2; exit 2 ;;
esac
mkdir -p "$DEST"
: > "$DEST/summary.txt"
run() {  # NAME CONFIG HEAD AMP BATCH [KEY=VALUE ...]
  "$PY" tools/analysis_tools/profile_det_step.py "configs/detection/detr/$2" $DATA \
    --batch-size "$5" --amp "$4" --iters "$ITERS" --warmup "$WARMUP" --out "$DEST/$1.json" \
    --cfg-options model.bbox_head.type="$3" "${@:6}" ${EXTRA:-} 2>&1 | grep -v ' - mmengine - ' \
    | tee -a "$DEST/summary.txt" || echo "$1: FAILED (see above)" | tee -a "$DEST/summary.txt"
}
if [ "${SET:-all}" = compile ]; then
  for model in deit-tiny-life_encdec-life deit-tiny_encdec-linear; do
    cfg=detr_${model}_1xb4-300e_bccd-512x512.py
    run "${model}_batched_fp16_b32" "$cfg" BatchedMatchDETRHead fp16 32
    run "${model}_batched_fp16_b32_compiled" "$cfg" BatchedMatchDETRHead fp16 32 \
      "compile_modules=[backbone,encoder,decoder]"
  done
  exit 0
fi
for model in deit-tiny-life_encdec-life deit-tiny_encdec-linear; do
  cfg=detr_${model}_1xb4-300e_bccd-512x512.py
  run "${model}_stock_fp16_b16" "$cfg" DETRHead fp16 16
  run "${model}_batched_fp16_b16" "$cfg" BatchedMatchDETRHead fp16 16
  run "${model}_batched_bf16_b16" "$cfg" BatchedMatchDETRHead bf16 16
  run "${model}_batched_fp16_b4" "$cfg" BatchedMatchDETRHead fp16 4
  run "${model}_batched_fp16_b32" "$cfg" BatchedMatchDETRHead fp16 32
done
run deit-tiny-life_encdec-life_batched_fp16_b16_foreach detr_deit-tiny-life_encdec-life_1xb4-300e_bccd-512x512.py \
  BatchedMatchDETRHead fp16 16 optim_wrapper.optimizer.fused=False optim_wrapper.optimizer.foreach=True
