#!/usr/bin/env bash
# VAE-NN speed, Quintet (C++, LibTorch) next to a PyTorch reference of the same networks, in one run:
# training samples/s (one epoch of `quintet train vae`, data loading included), generation of a 64-block
# song, process start + `import torch`, and training GFLOP/s as a share of the measured sgemm peak.
# The two sides alternate (C++ first in odd rounds, Python first in even ones) so that the machine's load
# falls on both alike; the table gives the median of the rounds. Needs -DQUINTET_BUILD_BENCH=ON:
#   scripts/build -DQUINTET_BUILD_BENCH=ON && bench/vae_nn/vae_vs_python.sh [rounds]
# Environment: VAEBENCH_STORE (a 2-steps-per-beat corpus store; default: the demo corpus, built once
# into build/vaebench/), QUINTET_THREADS (threads on both sides; default: as configure_torch_threads()).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/bench_vae_nn"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/vae_nn/vae_epoch_reference.py
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

$PY bench/vae_nn/vae_bench_table.py "$RESULTS"
