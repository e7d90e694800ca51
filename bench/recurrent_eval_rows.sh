#!/usr/bin/env bash
# docs/RESULTS.md "The recurrent systems next to the VAE-NN": trains the VAE-NN (the main job's settings), the
# note GRU and the frame RNN (defaults) on the demo corpus, then evaluates each with the same
# `quintet eval --model` settings. Usage: bench/recurrent_eval_rows.sh OUT  (needs build/quintet; finished runs
# in OUT are reused). Reports: OUT/eval-{vae,note,frame}/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
Q="$PWD/${QUINTET_BUILD_DIR:-build}/quintet"
OUT="${1:?usage: bench/recurrent_eval_rows.sh OUT}"
mkdir -p "$OUT" && cd "$OUT"
[ -f demo.store ] || "$Q" corpus demo -o demo.store > demo.log 2>&1
[ -f vae/done ] || { "$Q" train vae --corpus demo.store --out vae --epochs 30 --net-epochs 30 --seed 1 2> vae.log && touch vae/done; }
[ -f note/done ] || { "$Q" train note-rnn --corpus demo.store --out note --seed 1 2> note.log && touch note/done; }
[ -f frame/done ] || { "$Q" train frame-rnn --corpus demo.store --out frame --seed 1 2> frame.log && touch frame/done; }
for r in vae note frame; do
  "$Q" eval --model "$r" -n 10 --bars 16 --seed 1 --json -o "eval-$r" > "eval-$r.json" 2> "eval-$r.log"
  grep -h "test-split" "eval-$r/report.md"
done
