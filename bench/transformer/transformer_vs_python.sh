#!/usr/bin/env bash
# Transformer-XL speed, Quintet (C++, LibTorch) next to the PyTorch reference of the same network
# (bench/transformer/transformer_reference.py, Debian's python3-torch) in one run, small preset (4 layers x 256,
# 4 heads, d_inner 1024), the same weights (exported by the C++ side, logits checked) and thread count:
#   training tokens/s (batch 4 x bptt 128, memory carried, AdamW, clipping) and
#   generation tokens/s at batch 1 with 256, 512 and 1,024 tokens of context: C++ with its key/value cache through
#   the packed CPU step generation uses (XlFastStep), through the module's single-token step, and by
#   re-computation; PyTorch re-computing, with the paper's hidden-state memory, with a key/value cache, and with
#   that cache in fixed buffers and matrix-vector products (the C++ step's arithmetic).
# The sides alternate (C++ first in odd rounds); the tables give medians over the rounds. Build first:
#   QUINTET_TARGETS=transformer_bench scripts/build -DQUINTET_BUILD_BENCH=ON
#   flock -x /tmp/quintet-cpu.lock bench/transformer/transformer_vs_python.sh [rounds=5]
# QUINTET_THREADS: threads on both sides (default: every hardware thread); TRANSFORMERBENCH_TRAIN_STEPS: timed
# training steps per run (default 8); TRANSFORMERBENCH_WORK: the work folder (default build/transformerbench).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-5}"
BENCH="$BUILD/bench/transformer_bench"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/transformer/transformer_reference.py
WORK="${TRANSFORMERBENCH_WORK:-$BUILD/transformerbench}"
[ -x "$BENCH" ] || { echo "missing $BENCH: QUINTET_TARGETS=transformer_bench scripts/build -DQUINTET_BUILD_BENCH=ON" >&2; exit 1; }
mkdir -p "$WORK"
export QUINTET_THREADS="${QUINTET_THREADS:-$(nproc)}"
T=$QUINTET_THREADS
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads; threads on both sides: $T"
echo "python: $($PY -c 'import torch; print("torch", torch.__version__)')"

# The same weights on both sides: exported once per context length, the reference's logits checked against C++'s.
for n in 256 512 1024; do
  "$BENCH" export --out "$WORK/export-$n" --context "$n" > /dev/null
  echo "check $n: $($PY $REF check --export "$WORK/export-$n")"
done

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
# Few tokens where each costs a whole pass (the rate is steady after the first); 256 through the fast caches, so that
# each timing lasts a good fraction of a second.
new_tokens() { case "$1:$2" in *recompute:256) echo 16 ;; *recompute:512) echo 8 ;; *recompute:1024) echo 4 ;; memory:*) echo 32 ;; cpp-cache*|cache-mv:*) echo 256 ;; *) echo 64 ;; esac; }
STEPS="${TRANSFORMERBENCH_TRAIN_STEPS:-8}"
cpp_train() { "$BENCH" train --steps "$STEPS" >> "$RESULTS"; }
py_train() { $PY $REF train --threads "$T" --steps "$STEPS" >> "$RESULTS"; }
cpp_generate() {
  for n in 256 512 1024; do for mode in cache cache-module recompute; do
    "$BENCH" generate --context "$n" --mode "$mode" --tokens "$(new_tokens "cpp-$mode" "$n")" >> "$RESULTS"
  done; done
}
py_generate() {
  for n in 256 512 1024; do for mode in cache-mv cache memory recompute; do
    $PY $REF generate --threads "$T" --export "$WORK/export-$n" --context "$n" --mode "$mode" --tokens "$(new_tokens "$mode" "$n")" >> "$RESULTS"
  done; done
}

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) -eq 1 ]; then
    cpp_train; py_train; cpp_generate; py_generate
  else
    py_train; cpp_train; py_generate; cpp_generate
  fi
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

$PY - "$RESULTS" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
KEY = "tokens_per_s"
def med(side, mode, context=None):
    v = [r[KEY] for r in rows if r["side"] == side and r["mode"] == mode and r.get("context") == context and KEY in r]
    return (statistics.median(v) if v else float("nan")), v
def runs(v):
    return ", ".join(f"{x:.1f}" for x in v)
def generation_table():  # generation tokens per second by the current KEY
    print("| context | C++ cache | C++ cache, module step | C++ recompute | cache / recompute | PyTorch cache-mv | PyTorch cache | PyTorch memory | PyTorch recompute | **C++ cache / best PyTorch** |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in (256, 512, 1024):
        cc, _ = med("cpp", "cache", n)
        cm, _ = med("cpp", "cache-module", n)
        cr, _ = med("cpp", "recompute", n)
        py = {m: med("python", m, n)[0] for m in ("cache-mv", "cache", "memory", "recompute")}
        best = max(py.values())
        print(f"| {n} | {cc:.1f} | {cm:.1f} | {cr:.2f} | {cc / cr:.0f}x | {py['cache-mv']:.1f} | {py['cache']:.1f} | {py['memory']:.1f} | {py['recompute']:.2f} | **{cc / best:.2f}x** |")
c, cv = med("cpp", "train")
p, pv = med("python", "train")
print("\n| training, batch 4 x bptt 128 | C++ (Quintet) | PyTorch | C++ / PyTorch |")
print("|---|---|---|---|")
print(f"| tokens/s (median; runs) | {c:.0f} ({runs(cv)}) | {p:.0f} ({runs(pv)}) | {c / p:.2f}x |")
print()
generation_table()
print("\nEvery run (tokens/s):")
for side, mode in [("cpp", "cache"), ("cpp", "cache-module"), ("cpp", "recompute"), ("python", "cache-mv"), ("python", "cache"), ("python", "memory"), ("python", "recompute")]:
    for n in (256, 512, 1024):
        print(f"  {side} {mode} {n}: {runs(med(side, mode, n)[1])}")
# The same per CPU second of the process: on a machine shared with other jobs this stays put where wall time does not.
KEY = "tokens_per_cpu_s"
c, _ = med("cpp", "train")
p, _ = med("python", "train")
print(f"\nPer CPU second: training C++ {c:.0f}, PyTorch {p:.0f} tokens ({c / p:.2f}x)")
generation_table()
# Greedy draws from the same weights and context: the first tokens should agree between the sides.
for n in (256, 512, 1024):
    drawn = {(r["side"], r["mode"]): tuple(r["first_drawn"]) for r in rows if r.get("context") == n and "first_drawn" in r}
    print(f"first greedy tokens at {n}: C++ cache {list(drawn.get(('cpp', 'cache'), ()))}, C++ module step {list(drawn.get(('cpp', 'cache-module'), ()))}, "
          f"PyTorch cache-mv {list(drawn.get(('python', 'cache-mv'), ()))}")
PYEOF
