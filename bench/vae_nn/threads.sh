#!/usr/bin/env bash
# The thread rule measured (docs/BENCHMARKS.md "Threads"): seconds per VAE epoch of the main job's training
# (demo corpus, K 16, batch 100) with 1 thread and with every hardware thread, OpenMP workers spinning
# (active) or sleeping (passive) while they wait, on an idle machine and next to one busy process (a
# `yes` loop, as a build or a second job would be), and Quintet's rule (`quintet train`: every hardware
# thread, passive waits, the count re-checked before each epoch from the CPU time other processes used;
# nn/runtime.hpp), also with a busy process during the first 12 s only, as right after a build.
# Median of epochs 2..N of each run (the rule's rows: every epoch's seconds).
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
  local policy=(env OMP_WAIT_POLICY="$3")
  if [ "$3" = default ]; then policy=(env -u OMP_WAIT_POLICY); fi
  QUINTET_THREADS=$2 "${policy[@]}" "$NN" train vae --corpus "$STORE" --out "$WORK/run" --epochs "$EPOCHS" \
    --net-epochs 0 --seed 1 --quiet > /dev/null
  printf "%-28s threads %-2s %-8s %s s/epoch\n" "$1" "$2" "$3" "$(median_epoch "$WORK/run")"
}
rule() {  # rule LABEL [SECONDS OF BUSY AT THE START]
  rm -rf "$WORK/run"
  if [ -n "${2:-}" ]; then (timeout "$2" yes > /dev/null || true) & fi
  env -u QUINTET_THREADS -u OMP_WAIT_POLICY build/quintet train vae --corpus "$STORE" --out "$WORK/run" --epochs "$EPOCHS" \
    --net-epochs 0 --seed 1 > /dev/null 2> "$WORK/err.txt"
  printf "%-28s rule: %s s per epoch; %s\n" "$1" "$(awk -F, 'NR > 1 && $1 == 1 {printf "%s ", $6}' "$WORK/run/curve.csv")" \
    "$(grep -c '^threads:' "$WORK/err.txt" || true) thread changes"
}
hw=$(nproc)
for load in idle busy; do
  if [ $load = busy ]; then yes > /dev/null & busy=$!; fi
  run "$load" 1 passive
  run "$load" "$hw" active
  run "$load" "$hw" passive
  run "$load" "$hw" default
  rule "$load"
  if [ $load = busy ]; then kill $busy; busy=""; fi
done
rule "busy for the first 12 s" 12
