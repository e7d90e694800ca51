#!/usr/bin/env bash
# VAE-NN speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same networks, in one run:
# training samples/s (one epoch of `quintet train vae`, data loading included), generation of a 64-block
# song, process start + `import torch`, and training GFLOP/s as a share of the measured sgemm peak.
# The two sides alternate (C++ first in odd rounds, Python first in even ones) so that the machine's load
# falls on both alike; the table gives the median of the rounds. Needs -DQUINTET_BUILD_BENCH=ON:
#   scripts/build -DQUINTET_BUILD_BENCH=ON && bench/vae_vs_python.sh [rounds]
# Environment: VAEBENCH_STORE (a 2-steps-per-beat corpus store; default: the demo corpus, built once
# into build/vaebench/), QUINTET_THREADS (threads on both sides; default: as configure_torch_threads()).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/bench_vae_nn"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/python/vae_reference.py
WORK="$BUILD/vaebench"
mkdir -p "$WORK"
for f in "$BENCH" "$CLI"; do [ -x "$f" ] || { echo "missing $f: scripts/build -DQUINTET_BUILD_BENCH=ON" >&2; exit 1; }; done

STORE="${VAEBENCH_STORE:-$WORK/demo.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus into $STORE"
  "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi

# The same intra-op thread count on both sides: the project's rule (hardware threads the 1-minute load
# leaves free, at least 1) unless QUINTET_THREADS says otherwise.
hw=$(nproc)
if [ -z "${QUINTET_THREADS:-}" ]; then
  QUINTET_THREADS=$(awk -v hw="$hw" '{ t = hw - int($1 + 0.5); if (t < 1) t = 1; if (t > hw) t = hw; print t }' /proc/loadavg)
fi
export QUINTET_THREADS
T=$QUINTET_THREADS

echo "== set-up"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $hw hardware threads; threads on both sides: $T"
echo "blas: $(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)"
for f in "$BENCH" "$CLI"; do
  if ldd "$f" | grep -q tcmalloc; then echo "$(basename "$f"): links tcmalloc"; else echo "$(basename "$f"): NO tcmalloc"; fi
done
echo "python: $($PY -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)') (glibc malloc)"
echo "store: $STORE"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
wall() {  # wall seconds of a command, its output discarded
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}
tag() { $PY -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(kind=sys.argv[2], round=int(sys.argv[3])); print(json.dumps(d))' "$@"; }

cpp_train() { tag "$("$BENCH" train --corpus "$STORE" --run "$WORK/run")" train "$1" >> "$RESULTS"; }
py_train() { tag "$($PY $REF train --store "$STORE" --threads "$T")" train "$1" >> "$RESULTS"; }
cpp_generate() {
  tag "$("$BENCH" generate --run "$WORK/run" --blocks 64)" generate "$1" >> "$RESULTS"
  local w; w=$(wall "$CLI" generate "$WORK/run" -o "$WORK/song.mid" --blocks 64 --seed-random)
  echo "{\"side\": \"cpp\", \"kind\": \"process\", \"round\": $1, \"generate_process_s\": $w}" >> "$RESULTS"
  w=$(wall "$CLI" version)
  echo "{\"side\": \"cpp\", \"kind\": \"start\", \"round\": $1, \"start_s\": $w}" >> "$RESULTS"
}
py_generate() {
  tag "$($PY $REF generate --run "$WORK/run" --threads "$T" --blocks 64)" generate "$1" >> "$RESULTS"
  local w; w=$(wall $PY $REF generate --run "$WORK/run" --threads "$T" --blocks 64)
  echo "{\"side\": \"python\", \"kind\": \"process\", \"round\": $1, \"generate_process_s\": $w}" >> "$RESULTS"
  w=$(wall $PY -c 'import torch')
  echo "{\"side\": \"python\", \"kind\": \"start\", \"round\": $1, \"start_s\": $w}" >> "$RESULTS"
}

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) -eq 1 ]; then
    cpp_train "$r"; py_train "$r"; cpp_generate "$r"; py_generate "$r"
  else
    py_train "$r"; cpp_train "$r"; py_generate "$r"; cpp_generate "$r"
  fi
  tag "$("$BENCH" sgemm --size 2048)" sgemm "$r" >> "$RESULTS"
  tag "$("$BENCH" sgemm --size 2048 --threads "$T")" sgemm_t "$r" >> "$RESULTS"
  echo "{\"kind\": \"load\", \"round\": $r, \"load1\": $(cut -d' ' -f1 /proc/loadavg)}" >> "$RESULTS"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

$PY - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(kind, side, key):
    v = [r[key] for r in rows if r.get("kind") == kind and r.get("side") == side]
    return statistics.median(v) if v else float("nan")
def line(name, c, p, unit, faster_is="higher"):
    ratio = c / p if faster_is == "higher" else p / c
    print(f"| {name} | {c:.3g} {unit} | {p:.3g} {unit} | {ratio:.2f}x |")
n = [r for r in rows if r["kind"] == "train" and r["side"] == "cpp"][0]
pn = [r for r in rows if r["kind"] == "train" and r["side"] == "python"][0]
assert n["train_windows"] == pn["train_windows"], "the two sides read different windows"
print(f"\nrounds: {max(r['round'] for r in rows)}; threads: {n['threads']} (python {pn['threads']}); "
      f"train windows: {n['train_windows']}, valid windows: {n['valid_windows']}; medians over the rounds")
print("| measure | C++ (Quintet) | Python (PyTorch) | C++ advantage |")
print("|---|---|---|---|")
line("train: end to end (store -> windows, 1 epoch, valid pass, checkpoints)", med("train", "cpp", "end_to_end_samples_per_s"),
     med("train", "python", "end_to_end_samples_per_s"), "samples/s")
line("train: end to end, per CPU-second (user + system)", med("train", "cpp", "end_to_end_samples_per_cpu_s"),
     med("train", "python", "end_to_end_samples_per_cpu_s"), "samples/s")
line("train: training pass only (batching + 5 VAE steps)", med("train", "cpp", "train_pass_samples_per_s"),
     med("train", "python", "train_pass_samples_per_s"), "samples/s")
line("generate 64 blocks: model load + loop (in process)", med("generate", "cpp", "load_and_generate_s"),
     med("generate", "python", "load_and_generate_s"), "s", "lower")
line("generate 64 blocks: loop only", med("generate", "cpp", "generate_s"), med("generate", "python", "generate_s"), "s", "lower")
line("generate 64 blocks: whole process (C++ CLI writes the MIDI too)", med("process", "cpp", "generate_process_s"),
     med("process", "python", "generate_process_s"), "s", "lower")
line("process start (C++: quintet version; Python: import torch)", med("start", "cpp", "start_s"),
     med("start", "python", "start_s"), "s", "lower")
flops = n["flops_per_window"]
peak_all = statistics.median([r["gflops"] for r in rows if r["kind"] == "sgemm"])
peak_t = statistics.median([r["gflops"] for r in rows if r["kind"] == "sgemm_t"])
threads_all = [r["threads"] for r in rows if r["kind"] == "sgemm"][0]
c_gf = med("train", "cpp", "train_pass_samples_per_s") * flops / 1e9
p_gf = med("train", "python", "train_pass_samples_per_s") * flops / 1e9
print(f"\ntraining FLOPs per window (5 VAEs, forward + backward, analytic): {flops / 1e6:.1f} MFLOP")
print(f"sgemm peak (torch::mm 2048^2, best of 5): {peak_all:.1f} GFLOP/s at {threads_all} threads, "
      f"{peak_t:.1f} GFLOP/s at {n['threads']}")
print(f"achieved in the training pass: C++ {c_gf:.1f} GFLOP/s = {100 * c_gf / peak_all:.0f}% of the all-thread peak "
      f"({100 * c_gf / peak_t:.0f}% of the {n['threads']}-thread peak); Python {p_gf:.1f} GFLOP/s = "
      f"{100 * p_gf / peak_all:.0f}% ({100 * p_gf / peak_t:.0f}%)")
print("load average (1 min) after each round: " + ", ".join(str(r["load1"]) for r in rows if r["kind"] == "load"))
EOF
