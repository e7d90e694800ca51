#!/usr/bin/env bash
# The DCGAN evidence of docs/RESULTS.md: six short trainings on the same data and seed (no stabiliser, each
# stabiliser alone, all three, WGAN-GP), their diversity over epochs as one table and one plot, and
# `quintet eval --model` of each run next to the demo corpus.
#   ninja -C build quintet_cli gan_diversity_plot && bench/gan/gan_results.sh [epochs] [songs] [windows]
# Environment: GANRESULTS_STORE (a 4-steps-per-beat store; default: the demo corpus built once into
# build/ganresults/), QUINTET_THREADS (default: the project's rule).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
EPOCHS="${1:-20}"
SONGS="${2:-20}"
WINDOWS="${3:-1024}"  # training windows per run (whole songs, the same ones for every run): keeps each run short
CLI="$BUILD/quintet"
PLOT="$BUILD/bench/gan_diversity_plot"
WORK="$BUILD/ganresults"
mkdir -p "$WORK"
for f in "$CLI" "$PLOT"; do [ -x "$f" ] || { echo "missing $f: ninja -C $BUILD quintet_cli gan_diversity_plot" >&2; exit 1; }; done
STORE="${GANRESULTS_STORE:-$WORK/demo4.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus at 4 steps per beat into $STORE"
  "$CLI" corpus demo -o "$STORE" --resolution 4 > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi
RUNS=(none label-smoothing feature-matching ttur all wgan-gp)
echo "store: $STORE; $EPOCHS epochs per run, seed 1; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${RUNS[@]}"; do
  rm -rf "${WORK:?}/$name"
  if [ "$name" = wgan-gp ]; then args=(--loss wgan-gp); else args=(--stabilisers "$name"); fi
  t0=$(date +%s)
  "$CLI" train gan --corpus "$STORE" --out "$WORK/$name" --epochs "$EPOCHS" --max-windows "$WINDOWS" --seed 1 \
    --sample-every 10 --quiet "${args[@]}"
  echo "$name: $(( $(date +%s) - t0 )) s (load $(cut -d' ' -f1 /proc/loadavg))"
done
# Objective metrics of SONGS songs of 16 bars (4 samples each) per run, against the store's valid split.
for name in "${RUNS[@]}"; do
  rm -rf "${WORK:?}/$name-report"
  "$CLI" eval --model "$WORK/$name" -n "$SONGS" --bars 16 --seed 1 -o "$WORK/$name-report" > /dev/null
done
"$PLOT" "$WORK/diversity.png" $(for n in "${RUNS[@]}"; do echo "$n=$WORK/$n/curve.csv"; done)
echo "plot: $WORK/diversity.png"
/usr/bin/python3 - "$WORK" "$EPOCHS" "${RUNS[@]}" <<'PYEOF'
import csv, sys
work, epochs, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
marks = sorted({1, max(1, epochs // 4), max(1, epochs // 2), epochs})
print("| run | " + " | ".join(f"Jaccard e{m}" for m in marks) + " | distinct e%d | density e%d | D acc real / fake e%d | s/epoch |" % (epochs, epochs, epochs))
print("|---" * (len(marks) + 5) + "|")
for name in runs:
    rows = list(csv.DictReader(open(f"{work}/{name}/curve.csv")))
    by = {int(r["epoch"]): r for r in rows}
    last = by[epochs]
    sec = sum(float(r["seconds"]) for r in rows) / len(rows)
    print(f"| {name} | " + " | ".join(f"{float(by[m]['diversity_jaccard']):.3f}" for m in marks) +
          f" | {float(last['diversity_distinct']):.2f} | {float(last['density']):.4f} | "
          f"{float(last['d_acc_real']):.2f} / {float(last['d_acc_fake']):.2f} | {sec:.1f} |")
PYEOF
