#!/usr/bin/env bash
# The `quintet eval --model` rows of docs/RESULTS.md ("MelodyCNN + HarmonyCNNs"): a CNN run next to the VAE-NN
# of the main job (scripts/demo's training settings: 30 VAE epochs, 30 latent-net epochs, seed 1, the defaults
# otherwise), both on the demo corpus, both sampled and evaluated with the same -n / --bars / --seed.
#   scripts/build && bench/cnn/eval_rows.sh [OUT]        (default OUT: out/evalrows)
# Environment: EVALROWS_CNN_EPOCHS (16), EVALROWS_VAE_RUN (an existing finished run of the main job's settings,
# e.g. out/demo/vae-nn-k16-e30 of scripts/demo, instead of training one here). An interrupted training resumes.
# Writes OUT/report-<name>/ (report.md, report.json, per_file.csv, songs/) for each row; the commands it runs
# are printed first, so the table can cite them.
set -euo pipefail
cd "$(dirname "$0")/../.."
Q=build/quintet
OUT="${1:-out/evalrows}"
EPOCHS="${EVALROWS_CNN_EPOCHS:-16}"
EVAL_ARGS="-n 10 --bars 64 --seed 1"
[ -x "$Q" ] || { echo "missing $Q: scripts/build" >&2; exit 1; }
mkdir -p "$OUT"
STORE="$OUT/corpus.qstore"
[ -f "$STORE" ] || "$Q" corpus demo -o "$STORE"

# A finished run has calibrated thresholds in model.json; otherwise train (or resume) it.
finished() { [ -f "$1/model.json" ] && grep -q threshold_piano "$1/model.json"; }
train() {  # train KIND RUN ARGS...
  local kind=$1 run=$2
  shift 2
  finished "$run" && return 0
  local resume=""
  [ -f "$run/last.pt" ] && resume="--resume"
  echo "+ $Q train $kind --corpus $STORE --out $run $* $resume"
  "$Q" train "$kind" --corpus "$STORE" --out "$run" "$@" $resume
}

VAE="${EVALROWS_VAE_RUN:-$OUT/vae-nn-k16-e30}"
CNN="$OUT/cnn-e$EPOCHS"
train vae "$VAE" --epochs 30 --net-epochs 30 --seed 1
train cnn "$CNN" --epochs "$EPOCHS" --seed 1

row() {  # row NAME RUN [sample options]
  local name=$1 run=$2
  shift 2
  echo "+ $Q eval --model $run $EVAL_ARGS $* -o $OUT/report-$name"
  "$Q" eval --model "$run" $EVAL_ARGS "$@" -o "$OUT/report-$name"
}
row vae-nn "$VAE"
row cnn "$CNN"
row cnn-dropout0.2 "$CNN" --sample-dropout 0.2
echo "reports: $OUT/report-{vae-nn,cnn,cnn-dropout0.2}/report.md"
