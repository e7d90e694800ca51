#!/usr/bin/env bash
# Frame-RNN speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same network, in one run:
# training samples/s (one epoch, 32-step windows of 640-cell frames, batch 32, hidden 256) and generation
# steps/s at batch 1 (Bernoulli draws, cached hidden state). The two sides alternate (C++ first in odd rounds,
# Python first in even ones); the table gives the median of the rounds. Needs -DQUINTET_BUILD_BENCH=ON:
#   scripts/build -DQUINTET_BUILD_BENCH=ON && flock -x /tmp/quintet-cpu.lock bench/frame_rnn/frame_rnn_vs_python.sh [rounds]
# Environment: FRAMEBENCH_STORE (a 2-steps-per-beat store; default: ../shared/data/lpd5 built once into
# build/framebench/), QUINTET_THREADS (threads on both sides; default: every hardware thread).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/bench_frame_rnn"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/frame_rnn/frame_rnn_reference.py
WORK="$BUILD/framebench"
DATA="${QUINTET_DATA:-../shared/data}"
mkdir -p "$WORK"
for f in "$BENCH" "$CLI"; do [ -x "$f" ] || { echo "missing $f: scripts/build -DQUINTET_BUILD_BENCH=ON" >&2; exit 1; }; done

STORE="${FRAMEBENCH_STORE:-$WORK/lpd5.store}"
if [ ! -f "$STORE" ]; then
  echo "building a store from $DATA/lpd5 into $STORE"
  "$CLI" corpus build "$DATA/lpd5" -o "$STORE" --quiet > "$WORK/store.log" 2>&1 || { cat "$WORK/store.log"; exit 1; }
fi
export QUINTET_THREADS="${QUINTET_THREADS:-$(nproc)}"
T=$QUINTET_THREADS
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads; threads on both sides: $T"
echo "python: $($PY -c 'import torch; print("torch", torch.__version__)'); store: $STORE"

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
tag() { $PY -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(kind=sys.argv[2], round=int(sys.argv[3])); print(json.dumps(d))' "$@"; }
cpp_train() { tag "$("$BENCH" train --corpus "$STORE" --run "$WORK/run")" train "$1" >> "$RESULTS"; }
py_train() { tag "$($PY $REF train --store "$STORE" --threads "$T")" train "$1" >> "$RESULTS"; }
cpp_generate() { tag "$("$BENCH" generate --run "$WORK/run" --steps 2000)" generate "$1" >> "$RESULTS"; }
py_generate() { tag "$($PY $REF generate --threads "$T" --steps 2000)" generate "$1" >> "$RESULTS"; }

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) -eq 1 ]; then
    cpp_train "$r"; py_train "$r"; cpp_generate "$r"; py_generate "$r"
  else
    py_train "$r"; cpp_train "$r"; py_generate "$r"; cpp_generate "$r"
  fi
done

$PY - "$RESULTS" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(side, kind, key):
    v = [r[key] for r in rows if r["side"] == side and r["kind"] == kind]
    return statistics.median(v), v
print("| measure | C++ (Quintet) | Python (PyTorch) | ratio |")
print("|---|---|---|---|")
for kind, key, label in [("train", "train_samples_per_s", "training samples/s"), ("generate", "generate_steps_per_s", "generation steps/s, batch 1")]:
    c, cv = med("cpp", kind, key)
    p, pv = med("python", kind, key)
    print(f"| {label} | {c:.1f} | {p:.1f} | {c / p:.2f}x |")
    print(f"|   rounds | {', '.join(f'{x:.1f}' for x in cv)} | {', '.join(f'{x:.1f}' for x in pv)} | |", file=sys.stderr)
PYEOF
