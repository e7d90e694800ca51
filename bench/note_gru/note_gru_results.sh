#!/usr/bin/env bash
# Test perplexity of the note GRU on the demo corpus for both token schemes (docs/RESULTS.md): trains
# `quintet train note-rnn` with the defaults (piano, 40 epochs, batch 32, 2 x 96 GRU, all-layers readout),
# once with --tokens steps and once with --tokens events, then `quintet eval --model RUN` samples songs and
# reports the test split's NLL per token and perplexity.
#   bench/note_gru/note_gru_results.sh [STORE]     (default: the demo corpus, built into build/notebench/)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
CLI="$BUILD/quintet"
WORK="$BUILD/notebench"
mkdir -p "$WORK"
STORE="${1:-$WORK/demo.store}"
[ -f "$STORE" ] || "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1
for tokens in steps events; do
  run="$WORK/results-$tokens"
  rm -rf "$run" "$run-report"
  t0=$(date +%s)
  "$CLI" train note-rnn --corpus "$STORE" --out "$run" --tokens "$tokens" --seed 1 --quiet
  t1=$(date +%s)
  echo "$tokens: trained in $((t1 - t0)) s"
  grep -E '"(vocabulary|train_tokens|train_unknown_tokens|valid_tokens)"' "$run/config.json" | tr -d '\n '; echo
  "$CLI" eval --model "$run" -n 10 --bars 16 --seed 1 -o "$run-report" 2>&1 | grep -E "test-split NLL"
done
