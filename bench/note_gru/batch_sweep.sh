#!/usr/bin/env bash
# How the batch size (windows per Adam step) trades speed for quality: `quintet train note-rnn` on one corpus
# with every other setting at its default, one run per batch size; prints the best valid NLL per token, the
# epochs and the wall time of each. The default batch (32) was chosen from this table (docs/note_gru.md).
#   bench/note_gru/batch_sweep.sh [STORE]     (default: the demo corpus, built into build/notebench/)
# Environment: SWEEP_BATCHES ("1 8 16 32 64"), SWEEP_EPOCHS (40), SWEEP_EPOCHS_B1 (epochs for batch 1: 10).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
CLI="$BUILD/quintet"
WORK="$BUILD/notebench"
mkdir -p "$WORK"
STORE="${1:-$WORK/demo.store}"
[ -f "$STORE" ] || "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1
echo "| batch | epochs | best valid NLL/token | valid perplexity | wall time |"
echo "|---|---|---|---|---|"
for b in ${SWEEP_BATCHES:-1 8 16 32 64}; do
  e=${SWEEP_EPOCHS:-40}
  [ "$b" = 1 ] && e=${SWEEP_EPOCHS_B1:-10}
  run="$WORK/sweep-b$b"
  rm -rf "$run"
  t0=$(date +%s.%N)
  out=$("$CLI" train note-rnn --corpus "$STORE" --out "$run" --batch "$b" --epochs "$e" --seed 1 --quiet)
  t1=$(date +%s.%N)
  nll=$(echo "$out" | sed -n 's/.*best valid NLL per token \([0-9.]*\).*/\1/p')
  awk -v b="$b" -v e="$e" -v n="$nll" -v a="$t0" -v z="$t1" 'BEGIN { printf "| %s | %s | %.4f | %.2f | %.0f s |\n", b, e, n, exp(n), z - a }'
done
