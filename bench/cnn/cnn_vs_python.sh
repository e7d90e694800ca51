#!/usr/bin/env bash
# MelodyCNN + HarmonyCNN speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same networks in
# one run: training samples/s (one epoch of `quintet train cnn`, data loading, validation and checkpoints
# included) and generation of a 64-block song on the same weights. The sides alternate (C++ first in odd
# rounds, Python first in even ones) so the machine's load falls on both alike; medians of the rounds.
#   scripts/build -DQUINTET_BUILD_BENCH=ON && bench/cnn/cnn_vs_python.sh [rounds]
# Environment: CNNBENCH_STORE (a 2-steps-per-beat store; default: the demo corpus, built once into
# build/cnnbench/), QUINTET_THREADS (threads on both sides; default: as configure_torch_threads()),
# CNNBENCH_DENSE_THRESHOLD (generation is also timed with this one threshold for every net, default 0.05:
# many more notes per block than the calibrated thresholds give, the C++ fast path's costly case),
# CNNBENCH_PARTS ("train generate", the default, or one of them).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/cnn_bench"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch
REF=bench/cnn/cnn_reference.py
WORK="$BUILD/cnnbench"
mkdir -p "$WORK"
for f in "$BENCH" "$CLI"; do [ -x "$f" ] || { echo "missing $f: scripts/build -DQUINTET_BUILD_BENCH=ON" >&2; exit 1; }; done
STORE="${CNNBENCH_STORE:-$WORK/demo.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus into $STORE"
  "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi
hw=$(nproc)
if [ -z "${QUINTET_THREADS:-}" ]; then
  QUINTET_THREADS=$(awk -v hw="$hw" '{ t = hw - int($1 + 0.5); if (t < 1) t = 1; if (t > hw) t = hw; print t }' /proc/loadavg)
fi
export QUINTET_THREADS
export OMP_WAIT_POLICY=passive  # as `quintet` sets for quintet-nn; the same for both sides
T=$QUINTET_THREADS
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $hw hardware threads; threads on both sides: $T"
echo "python: $($PY -c 'import torch; print("torch", torch.__version__)'); store: $STORE; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
tag() { $PY -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(kind=sys.argv[2], round=int(sys.argv[3])); print(json.dumps(d))' "$@"; }
cpp_train() { tag "$("$BENCH" train --corpus "$STORE" --run "$WORK/run")" train "$1" >> "$RESULTS"; }
py_train() { tag "$($PY $REF train --store "$STORE" --threads "$T")" train "$1" >> "$RESULTS"; }
cpp_generate() { tag "$("$BENCH" generate --run "$WORK/genrun" --blocks 64)" generate "$1" >> "$RESULTS"; }
py_generate() { tag "$($PY $REF generate --run "$WORK/genrun" --threads "$T" --blocks 64)" generate "$1" >> "$RESULTS"; }
DENSE="${CNNBENCH_DENSE_THRESHOLD:-0.05}"
cpp_dense() { tag "$("$BENCH" generate --run "$WORK/genrun" --blocks 64 --threshold "$DENSE")" dense "$1" >> "$RESULTS"; }
py_dense() { tag "$($PY $REF generate --run "$WORK/genrun" --threads "$T" --blocks 64 --threshold "$DENSE")" dense "$1" >> "$RESULTS"; }

# The weights both sides generate from: one epoch, finished (thresholds calibrated).
if [ ! -f "$WORK/genrun/model.json" ] || ! grep -q threshold_piano "$WORK/genrun/model.json"; then
  rm -rf "$WORK/genrun"
  "$CLI" train cnn --corpus "$STORE" --out "$WORK/genrun" --epochs 1 --quiet > /dev/null
fi
PARTS="${CNNBENCH_PARTS:-train generate}"
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [[ " $PARTS " == *" train "* ]]; then
    if [ $((r % 2)) -eq 1 ]; then cpp_train "$r"; py_train "$r"; else py_train "$r"; cpp_train "$r"; fi
  fi
  if [[ " $PARTS " == *" generate "* ]]; then
    if [ $((r % 2)) -eq 1 ]; then cpp_generate "$r"; py_generate "$r"; cpp_dense "$r"; py_dense "$r"
    else py_generate "$r"; cpp_generate "$r"; py_dense "$r"; cpp_dense "$r"; fi
  fi
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY - "$RESULTS" "$DENSE" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(side, kind, key):
    v = [r[key] for r in rows if r["side"] == side and r["kind"] == kind]
    return statistics.median(v), v
print("| measure | C++ (Quintet) | Python (PyTorch) | C++ advantage | rounds (C++ / Python) |")
print("|---|---|---|---|---|")
for kind, key, label, higher in [
        ("train", "end_to_end_samples_per_s", "train: end to end, window pairs/s", True),
        ("train", "end_to_end_samples_per_cpu_s", "train: end to end, pairs per CPU-second", True),
        ("train", "train_pass_samples_per_s", "train: training pass only, pairs/s", True),
        ("generate", "load_and_generate_s", "generate 64 blocks: model load + loop, s", False),
        ("generate", "generate_s", "generate 64 blocks: loop only, s", False),
        ("generate", "generate_cpu_s", "generate 64 blocks: loop only, CPU s", False),
        ("generate", "load_s", "model load, s", False),
        ("generate", "note_cells", "note cells in the song", None),
        ("dense", "load_and_generate_s", f"generate 64 blocks, threshold {sys.argv[2]}: model load + loop, s", False),
        ("dense", "generate_s", f"generate 64 blocks, threshold {sys.argv[2]}: loop only, s", False),
        ("dense", "generate_cpu_s", f"generate 64 blocks, threshold {sys.argv[2]}: loop only, CPU s", False),
        ("dense", "note_cells", f"note cells in the song, threshold {sys.argv[2]}", None)]:
    if not any(r["kind"] == kind for r in rows):
        continue
    c, cv = med("cpp", kind, key)
    p, pv = med("python", kind, key)
    adv = "-" if higher is None else f"**{(c / p if higher else p / c):.2f}x**"
    print(f"| {label} | {c:.4g} | {p:.4g} | {adv} | {' '.join(f'{x:.3g}' for x in cv)} / {' '.join(f'{x:.3g}' for x in pv)} |")
PYEOF
