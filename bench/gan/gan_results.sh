#!/usr/bin/env bash
# The DCGAN evidence of docs/RESULTS.md: seven trainings on the same data and seed (the original code's setting,
# no stabiliser, each stabiliser alone, all three, WGAN-GP), their diversity and D's accuracy over epochs as a
# table and plots, the last fixed-noise piano roll of each, and `quintet eval --model` of each run next to the
# corpus.
#   ninja -C build quintet_cli gan_diversity_plot && bench/gan/gan_results.sh [epochs] [songs] [windows]
# Environment: GANRESULTS_STORE (a 4-steps-per-beat store; default: the demo corpus built once into
# build/ganresults/), GANRESULTS_JOBS (trainings at once, default 1), GANRESULTS_SKIP_TRAIN=1 (report on the
# runs already there, up to the epoch every run reached), QUINTET_THREADS (default: the project's rule).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
EPOCHS="${1:-20}"
SONGS="${2:-20}"
WINDOWS="${3:-1024}"  # training windows per run (whole songs, the same ones for every run): keeps each run short
JOBS="${GANRESULTS_JOBS:-1}"
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
# original: what the original code did (TTUR only, D judging real and fake as two batches)
RUNS=(original none label-smoothing feature-matching ttur all wgan-gp)
args_of() {
  case "$1" in
    original) echo "--stabilisers ttur --d-batch separate" ;;
    wgan-gp) echo "--loss wgan-gp" ;;
    *) echo "--stabilisers $1" ;;
  esac
}
if [ "${GANRESULTS_SKIP_TRAIN:-0}" != 1 ]; then
  echo "store: $STORE; $EPOCHS epochs per run, seed 1, $JOBS at once; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  train_one() {
    local name=$1 t0
    rm -rf "${WORK:?}/$name"
    t0=$(date +%s)
    # shellcheck disable=SC2046
    "$CLI" train gan --corpus "$STORE" --out "$WORK/$name" --epochs "$EPOCHS" --max-windows "$WINDOWS" --seed 1 \
      --sample-every $(( EPOCHS / 10 > 0 ? EPOCHS / 10 : 1 )) --quiet $(args_of "$name")
    echo "$name: $(( $(date +%s) - t0 )) s (load $(cut -d' ' -f1 /proc/loadavg))"
  }
  for name in "${RUNS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 5; done
    train_one "$name" &
  done
  wait
fi
# The epoch every run reached (all of them when the trainings finished).
REACHED=$(for n in "${RUNS[@]}"; do tail -n1 "$WORK/$n/curve.csv" | cut -d, -f2; done | sort -n | head -n1)
echo "reported epoch: $REACHED"
"$PLOT" "$WORK/diversity.png" $(for n in "${RUNS[@]}"; do echo "$n=$WORK/$n/curve.csv"; done)
"$PLOT" "$WORK/d-accuracy-fake.png" --column=d_acc_fake $(for n in "${RUNS[@]}"; do echo "$n=$WORK/$n/curve.csv"; done)
echo "plots: $WORK/diversity.png $WORK/d-accuracy-fake.png; piano rolls: $WORK/RUN/samples/"
/usr/bin/python3 - "$WORK" "$REACHED" "${RUNS[@]}" <<'PYEOF'
import csv, sys
work, epochs, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
marks = sorted({1, max(1, epochs // 10), max(1, epochs // 4), max(1, epochs // 2), epochs})
print("| run | " + " | ".join(f"Jaccard e{m}" for m in marks) +
      " | distinct e%d | D acc real / fake e%d | threshold e%d | density at 0.7 e%d | s/epoch |" % ((epochs,) * 4))
print("|---" * (len(marks) + 6) + "|")
for name in runs:
    rows = list(csv.DictReader(open(f"{work}/{name}/curve.csv")))
    by = {int(r["epoch"]): r for r in rows}
    last = by[epochs]
    sec = sum(float(by[e]["seconds"]) for e in range(1, epochs + 1)) / epochs
    print(f"| {name} | " + " | ".join(f"{float(by[m]['diversity_jaccard']):.3f}" for m in marks) +
          f" | {float(last['diversity_distinct']):.2f} | {float(last['d_acc_real']):.2f} / {float(last['d_acc_fake']):.2f}"
          f" | {float(last['threshold']):.3f} | {float(last['density']):.4f} | {sec:.1f} |")
PYEOF
# Objective metrics of SONGS songs of 16 bars (4 samples each) per run (default generation: calibrated
# thresholds), against the store's valid split. Runs that went on training are evaluated at their latest model.pt.
for name in "${RUNS[@]}"; do
  rm -rf "${WORK:?}/$name-report"
  "$CLI" eval --model "$WORK/$name" -n "$SONGS" --bars 16 --seed 1 -o "$WORK/$name-report" > /dev/null
done
echo "reports: $WORK/RUN-report/report.md"
# The eval rows of docs/RESULTS.md: EB, UPC (band chroma, as MuseGAN's published numbers), QN and TD (band) per
# run, and the reference (the store's valid split) once. DP is left out: at 4 steps per beat every step is on
# its 16th-note grid, so it is 100 % for any drum track.
/usr/bin/python3 - "$WORK" "${RUNS[@]}" <<'PYEOF'
import json, sys
work, runs = sys.argv[1], sys.argv[2:]
tracks = ["bass", "drums", "guitar", "piano", "strings"]
pitched = ["bass", "guitar", "piano", "strings"]
pairs = ["bass-guitar", "bass-strings", "bass-piano", "guitar-strings", "guitar-piano", "piano-strings"]
def table(path):
    rows = json.load(open(path))["metrics"]
    return {(r["scope"], r["metric"]): (r["generated"], r["reference"]) for r in rows}
def cell(v, pct=False):
    if v is None: return "–"
    return f"{100 * v:.1f}" if pct else f"{v:.2f}"
def line(label, t, k):
    get = lambda scope, metric: t.get((scope, metric), t.get(("-".join(reversed(scope.split("-"))), metric), (None, None)))[k]
    return (f"| {label} | " + " | ".join(cell(get(s, "EB"), True) for s in tracks) + " | " +
            " | ".join(cell(get(s, "UPC_band")) for s in pitched) + " | " +
            " | ".join(cell(get(s, "QN"), True) for s in pitched) + " | " +
            " | ".join(cell(get(p, "TD_band")) for p in pairs) + " |")
print("| | EB B | D | G | P | S | UPC B | G | P | S | QN B | G | P | S | TD B-G | B-S | B-P | G-S | G-P | P-S |")
print("|---" * 20 + "|")
print(line("reference: valid split", table(f"{work}/{runs[0]}-report/report.json"), 1))
for name in runs:
    print(line(f"DCGAN, {name}", table(f"{work}/{name}-report/report.json"), 0))
PYEOF
