#!/usr/bin/env bash
# DCGAN training speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same networks and the same
# epoch (bench/gan/gan_reference.py), in one run. The two sides alternate (C++ first in odd rounds, Python first
# in even ones) so the machine's load falls on both alike; the table gives medians over rounds.
#   ninja -C build quintet_cli && bench/gan/gan_vs_python.sh [rounds] [epochs]
# Environment: GANBENCH_STORE (a 4-steps-per-beat store; default: the demo corpus built once into
# build/ganbench/), QUINTET_THREADS (threads on both sides; default: hardware threads the 1-minute load leaves free).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
EPOCHS="${2:-3}"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/gan/gan_reference.py
WORK="$BUILD/ganbench"
mkdir -p "$WORK"
[ -x "$CLI" ] || { echo "missing $CLI: ninja -C $BUILD quintet_cli" >&2; exit 1; }

STORE="${GANBENCH_STORE:-$WORK/demo4.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus at 4 steps per beat into $STORE"
  "$CLI" corpus demo -o "$STORE" --resolution 4 > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi
hw=$(nproc)
if [ -z "${QUINTET_THREADS:-}" ]; then
  QUINTET_THREADS=$(awk -v hw="$hw" '{ t = hw - int($1 + 0.5); if (t < 1) t = 1; if (t > hw) t = hw; print t }' /proc/loadavg)
fi
export QUINTET_THREADS
T=$QUINTET_THREADS
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $hw hardware threads; threads on both sides: $T"
echo "python: $($PY -c 'import torch; print("torch", torch.__version__)'); store: $STORE; epochs per run: $EPOCHS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
cpp() {
  rm -rf "$WORK/run"
  local t0 t1
  t0=$(date +%s.%N)
  "$CLI" train gan --corpus "$STORE" --out "$WORK/run" --epochs "$EPOCHS" --sample-every 0 --quiet > /dev/null
  t1=$(date +%s.%N)
  $PY - "$WORK/run/curve.csv" "$t0" "$t1" "$1" >> "$RESULTS" <<'PYEOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(json.dumps({"side": "cpp", "round": int(sys.argv[4]), "total_s": float(sys.argv[3]) - float(sys.argv[2]),
                  "epochs": [{"samples_per_s": float(r["samples_per_s"]), "jaccard": float(r["diversity_jaccard"])} for r in rows]}))
PYEOF
}
py() {
  $PY $REF train --store "$STORE" --threads "$T" --epochs "$EPOCHS" | \
    $PY -c 'import json,sys; d=json.loads(sys.stdin.read()); d["round"]=int(sys.argv[1]); print(json.dumps(d))' "$1" >> "$RESULTS"
}
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) -eq 1 ]; then cpp "$r"; py "$r"; else py "$r"; cpp "$r"; fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY - "$RESULTS" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(side, f):
    return statistics.median(f(r) for r in rows if r["side"] == side)
# Epoch 1 warms up allocators and caches on both sides: the steady rate is the median over the later epochs.
steady = lambda r: statistics.median(e["samples_per_s"] for e in r["epochs"][1:] or r["epochs"])
first = lambda r: r["epochs"][0]["samples_per_s"]
total = lambda r: r["total_s"]
print("| measure | C++ (Quintet) | Python (PyTorch) | C++ advantage |")
print("|---|---|---|---|")
for name, f, unit, higher in [("training samples/s, epochs 2+ (median)", steady, "", True),
                              ("training samples/s, epoch 1", first, "", True),
                              ("whole run: process, data, all epochs, checkpoints (s)", total, " s", False)]:
    c, p = med("cpp", f), med("python", f)
    adv = c / p if higher else p / c
    print(f"| {name} | {c:.4g}{unit} | {p:.4g}{unit} | {adv:.2f}x |")
PYEOF
