#!/usr/bin/env bash
# Note-GRU speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same network, in one run:
# training windows/s (one epoch of train_note_gru, the epoch loop's rate of its training pass, against the
# reference's epoch over the same windows with the same batch, optimiser, clipping and threads) and generation
# tokens/s at batch 1 (incremental, the state carried). The sides alternate (C++ first in odd rounds, Python
# first in even ones); the table gives the median of the rounds. Needs -DQUINTET_BUILD_BENCH=ON:
#   scripts/build -DQUINTET_BUILD_BENCH=ON && bench/note_gru/note_gru_vs_python.sh [rounds]
# Environment: NOTEBENCH_STORE (a corpus store; default: the demo corpus, built once into build/notebench/),
# NOTEBENCH_BATCH (windows per step, default 32: the trainer's default), NOTEBENCH_TOKENS (steps or events),
# QUINTET_THREADS (threads on both sides; default: the hardware threads the 1-minute load leaves free).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/bench_note_gru"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/note_gru/note_gru_reference.py
WORK="$BUILD/notebench"
BATCH="${NOTEBENCH_BATCH:-32}"
TOKENS="${NOTEBENCH_TOKENS:-steps}"
STEPS=3000
mkdir -p "$WORK"
for f in "$BENCH" "$CLI"; do [ -x "$f" ] || { echo "missing $f: scripts/build -DQUINTET_BUILD_BENCH=ON" >&2; exit 1; }; done

STORE="${NOTEBENCH_STORE:-$WORK/demo.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus into $STORE"
  "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi

hw=$(nproc)
if [ -z "${QUINTET_THREADS:-}" ]; then
  QUINTET_THREADS=$(awk -v hw="$hw" '{ t = hw - int($1 + 0.5); if (t < 1) t = 1; if (t > hw) t = hw; print t }' /proc/loadavg)
fi
export QUINTET_THREADS
T=$QUINTET_THREADS

echo "== set-up"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $hw hardware threads; threads on both sides: $T"
echo "python: $($PY -c 'import torch; print("torch", torch.__version__)')"
echo "store: $STORE; tokens: $TOKENS; batch: $BATCH; generation: $STEPS tokens at batch 1, temperature 1.2"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

info=$("$BENCH" windows --corpus "$STORE" --out "$WORK/windows.bin" --tokens "$TOKENS")
echo "windows: $info"
V=$($PY -c 'import json, sys; print(json.loads(sys.argv[1])["vocabulary"])' "$info")
# A run for generation (one epoch; the weights do not change the cost of a step).
"$BENCH" train --corpus "$STORE" --run "$WORK/run" --epochs 1 --batch "$BATCH" --tokens "$TOKENS" > /dev/null

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
tag() { $PY -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(kind=sys.argv[2], round=int(sys.argv[3])); print(json.dumps(d))' "$@"; }
cpp_train() { tag "$("$BENCH" train --corpus "$STORE" --run "$WORK/train-run" --epochs 1 --batch "$BATCH" --tokens "$TOKENS")" train "$1" >> "$RESULTS"; }
py_train() { tag "$($PY $REF train --windows "$WORK/windows.bin" --vocabulary "$V" --threads "$T" --batch "$BATCH")" train "$1" >> "$RESULTS"; }
cpp_generate() { tag "$("$BENCH" generate --run "$WORK/run" --steps "$STEPS")" generate "$1" >> "$RESULTS"; }
py_generate() { tag "$($PY $REF generate --vocabulary "$V" --threads "$T" --steps "$STEPS")" generate "$1" >> "$RESULTS"; }

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) -eq 1 ]; then
    cpp_train "$r"; py_train "$r"; cpp_generate "$r"; py_generate "$r"
  else
    py_train "$r"; cpp_train "$r"; py_generate "$r"; cpp_generate "$r"
  fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

$PY - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def median(kind, side, key):
    return statistics.median(r[key] for r in rows if r["kind"] == kind and r["side"] == side)
print()
print("| measure | C++ (Quintet) | Python (PyTorch) | C++ / Python |")
print("|---|---|---|---|")
for kind, key, label in [("train", "train_windows_per_s", "training windows/s (64 tokens each)"),
                         ("generate", "generate_steps_per_s", "generation tokens/s, batch 1")]:
    c, p = median(kind, "cpp", key), median(kind, "python", key)
    print(f"| {label} | {c:.1f} | {p:.1f} | {c / p:.2f}x |")
for kind, key in [("train", "train_windows_per_s"), ("generate", "generate_steps_per_s")]:
    for side in ("cpp", "python"):
        print(f"{kind} {side}: " + ", ".join(f"{r[key]:.1f}" for r in rows if r["kind"] == kind and r["side"] == side))
EOF
