#!/usr/bin/env bash
# VAE-NN, C++ (quintet) next to the Python/PyTorch reference (bench/python/vae_reference.py, Debian
# python3-torch: the same LibTorch 1.13 kernels) in one run, same data, same batch, same threads.
#   bench/vae_compare.sh STORE RUN [WINDOWS] [THREADS]
# STORE: a training store at 2 steps per beat (quintet corpus demo); RUN: a trained VAE-NN run (for
# generation). Prints JSON lines; docs/BENCHMARKS.md quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=$1; RUN=$2; WINDOWS=${3:-1000}; THREADS=${4:-2}
Q=build/quintet; EVAL=build/bench/vae_eval; PY=/usr/bin/python3; REF=bench/python/vae_reference.py
export QUINTET_THREADS=$THREADS OMP_NUM_THREADS=$THREADS
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }

echo "# load before: $(cat /proc/loadavg)"
# Training: one epoch of the five VAEs over WINDOWS windows, batch 100, whole process (start-up, data
# loading from the store, training, saving the weights). quintet also writes last.pt and model.pt.
for impl in cpp py cpp py; do
  t0=$(now)
  if [ $impl = cpp ]; then
    rm -rf "$TMP/run"
    $Q train vae --corpus "$STORE" --out "$TMP/run" --epochs 1 --net-epochs 0 --batch 100 --max-windows "$WINDOWS" --quiet > /dev/null
    t1=$(now)
    n=$(grep -o '"windows": [0-9]*' "$TMP/run/config.json" | head -1 | grep -o '[0-9]*')
    loop=$(awk -F, 'NR==2 {print $7}' "$TMP/run/curve.csv")
    echo "{\"impl\": \"c++\", \"task\": \"train\", \"windows\": $n, \"total_s\": $(echo "$t1 - $t0" | bc), \"end_to_end_windows_per_s\": $(echo "scale=2; $n / ($t1 - $t0)" | bc), \"loop_windows_per_s\": $loop}"
  else
    out=$($PY $REF train --corpus "$STORE" --max-windows "$WINDOWS" --batch 100 --threads "$THREADS" --out "$TMP/py.pt")
    t1=$(now)
    echo "{\"impl\": \"python\", \"task\": \"train\", \"process_s\": $(echo "$t1 - $t0" | bc), \"report\": $out}"
  fi
done

# Generation of a 64-block song: the whole command (start-up, model load, 63 steps, MIDI write) and the
# generation loop alone (C++: best of 5 with the model loaded; Python: one loop, random weights).
for impl in cpp py cpp py; do
  t0=$(now)
  if [ $impl = cpp ]; then
    $Q generate "$RUN" -o "$TMP/song.mid" --blocks 64 --seed-random --seed 3 > /dev/null
    t1=$(now)
    echo "{\"impl\": \"c++\", \"task\": \"generate64\", \"process_s\": $(echo "$t1 - $t0" | bc), \"loop\": $($EVAL generate "$RUN" 64 5)}"
  else
    out=$($PY $REF generate --blocks 64 --threads "$THREADS" --out "$TMP/song.npy")
    t1=$(now)
    echo "{\"impl\": \"python\", \"task\": \"generate64\", \"process_s\": $(echo "$t1 - $t0" | bc), \"report\": $out}"
  fi
done

# sgemm peak of this machine through the same BLAS (OpenBLAS via torch.mm), for the GFLOP/s share.
$PY $REF sgemm --size 1024 --repeat 10 --threads "$THREADS"
echo "# load after: $(cat /proc/loadavg)"
