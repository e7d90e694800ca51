#!/usr/bin/env bash
# The thread rule measured (docs/BENCHMARKS.md "Threads"): seconds per VAE epoch of the main job's training
# (demo corpus, K 16, batch 100) with 1 thread and with every hardware thread, OpenMP workers spinning
# (active) or sleeping (passive) while they wait, on an idle machine and next to one busy process (a
# `yes` loop, as a build or a second job would be). Median of epochs 2..N of each run.
# usage: bench/vae_nn/threads.sh [STORE] [EPOCHS]   (STORE default: out/demo/corpus.qstore)
set -euo pipefail
cd "$(dirname "$0")/../.."
STORE=${1:-out/demo/corpus.qstore}
EPOCHS=${2:-4}
NN=build/quintet-nn
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; kill $busy 2>/dev/null || true' EXIT
busy=""
median_epoch() {  # curve.csv rows of stage 1 after the first: the median of the seconds column
  awk -F, 'NR > 2 && $1 == 1 {print $6}' "$1/curve.csv" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
run() {  # run LABEL THREADS POLICY
  rm -rf "$WORK/run"
  QUINTET_THREADS=$2 OMP_WAIT_POLICY=$3 "$NN" train vae --corpus "$STORE" --out "$WORK/run" --epochs "$EPOCHS" \
    --net-epochs 0 --seed 1 --quiet > /dev/null
  printf "%-28s threads %-2s %-8s %s s/epoch\n" "$1" "$2" "$3" "$(median_epoch "$WORK/run")"
}
hw=$(nproc)
for load in idle busy; do
  if [ $load = busy ]; then yes > /dev/null & busy=$!; fi
  run "$load" 1 passive
  run "$load" "$hw" active
  run "$load" "$hw" passive
  if [ $load = busy ]; then kill $busy; busy=""; fi
done
