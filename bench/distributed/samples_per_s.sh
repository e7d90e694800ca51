#!/usr/bin/env bash
# VAE-NN stage-1 training rate on this machine: 1 process (batch 2B, all threads and 1 thread) against 2 local
# ranks (--nproc 2, batch B each, 1 thread each: the same global batch), alternating, on the demo corpus.
# Rates are the epoch loop's samples/s of the training pass (curve.csv); the 2-rank runs also report their
# gradient all-reduce time. Usage: bench/distributed/samples_per_s.sh [rounds] [B] [epochs]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
half=${2:-50}
epochs=${3:-1}
work=build/bench-distributed
mkdir -p "$work"
store=$work/demo.qstore
[ -e "$store" ] || build/quintet corpus demo -o "$store" > /dev/null
rate() { awk -F, 'NR == 2 {print $7}' "$1/curve.csv"; }
run() {  # label threads args...
  local label=$1 threads=$2
  shift 2
  rm -rf "$work/$label"
  QUINTET_THREADS=$threads build/quintet train vae --corpus "$store" --out "$work/$label" --epochs "$epochs" --net-epochs 0 \
    "$@" > "$work/$label.out" 2> "$work/$label.err"
  local extra=""
  extra=$(grep -o 'gradient all-reduce [0-9.]* s of the [0-9.]* s' "$work/$label.err" | head -1 || true)
  printf '%-28s %8s samples/s  %s\n' "$label" "$(rate "$work/$label")" "$extra"
}
echo "uptime: $(uptime)"
for ((i = 1; i <= rounds; i++)); do
  echo "== round $i"
  if (( i % 2 )); then
    run "1proc-batch$((2 * half))-2threads" 2 --batch $((2 * half))
    run "1proc-batch$((2 * half))-1thread" 1 --batch $((2 * half))
    run "2ranks-batch${half}-1thread" 1 --batch "$half" --nproc 2
  else
    run "2ranks-batch${half}-1thread" 1 --batch "$half" --nproc 2
    run "1proc-batch$((2 * half))-1thread" 1 --batch $((2 * half))
    run "1proc-batch$((2 * half))-2threads" 2 --batch $((2 * half))
  fi
done
echo "uptime: $(uptime)"
