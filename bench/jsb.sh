#!/usr/bin/env bash
# The literature's benchmark for the frame RNN: the Bernoulli frame model on JSB Chorales (quarter-note steps,
# 88 pitches 21-108, the train/valid/test split of Boulanger-Lewandowski et al. 2012). Imports the JSON into a
# store, trains the reported configuration (the best epoch by the valid split's NLL), and evaluates the test
# split: negative log-likelihood per time step summed over the 88 outputs, every step of every test chorale
# weighted equally, the first step of each predicted from a zero frame (docs/frame_rnn.md). Last line:
# "JSB test NLL: X.XX". The reported number: QUINTET_THREADS=1 bench/jsb.sh (one thread: the run does not depend on the load).
# Environment: QUINTET_DATA (default ../shared/data), QUINTET_BUILD_DIR (default build), JSB_OUT (default
# build/jsb), JSB_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${QUINTET_BUILD_DIR:-build}"
DATA="${QUINTET_DATA:-../shared/data}"
OUT="${JSB_OUT:-$BUILD/jsb}"
CLI="$BUILD/quintet"
[ -x "$CLI" ] || { echo "missing $CLI: scripts/build" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
"$CLI" corpus jsb "$DATA/jsb-chorales/jsb-chorales-quarter.json" --out "$OUT/jsb.store" > "$OUT/store.txt"
# The reported configuration (docs/RESULTS.md, "Frame RNN on JSB Chorales").
CONFIG=(--tracks piano --pitch-range 21-108 --output bernoulli --hidden 384 --layers 1 --window 0 --batch 16 --lr 2e-3 --dropout 0.5 --weight-decay 3e-5 --epochs 150 --early-stop 15 --seed "${JSB_SEED:-1}")
echo "quintet train frame-rnn ${CONFIG[*]}"
"$CLI" train frame-rnn --corpus "$OUT/jsb.store" --out "$OUT/run" "${CONFIG[@]}" 2> "$OUT/train.log"
grep -E "epoch|stop" "$OUT/train.log" | tail -3
"$CLI" eval --model "$OUT/run" -n 1 --bars 1 --reference "$OUT/jsb.store" --split test > /dev/null 2> "$OUT/eval.log"
nll=$(sed -n 's/.*test-split NLL \([0-9.]*\) nats\/step.*(\([0-9]*\) steps).*/\1 \2/p' "$OUT/eval.log")
[ -n "$nll" ] || { cat "$OUT/eval.log" >&2; exit 1; }
set -- $nll
echo "test steps: $2; wall: $(( $(date +%s) - start )) s (import, training, evaluation)"
printf 'JSB test NLL: %.2f\n' "$1"
