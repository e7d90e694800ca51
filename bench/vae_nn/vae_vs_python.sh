#!/usr/bin/env bash
# VAE-NN speed, Quintet (C++) next to the best PyTorch reference of the same model, in one run
# (bench/vae_nn/vae_epoch_reference.py says what "the same" covers). Measured, alternating the sides:
# - generation of 64 blocks from the same weights, seed block and noise, for a dense and a sparse song (the
#   densest and the sparsest of the seeds VAEBENCH_SEEDS at the run's defaults) and for a batch of
#   VAEBENCH_SONGS songs; the Python side must produce the C++ notes cell for cell or the script stops;
# - training: one epoch of `quintet train vae` (windows/s), data loading, validation and checkpoints included;
# - process start (`quintet version` vs `python3 -c 'import torch'`).
# Python runs with tcmalloc preloaded (the C++ binaries link it), in both variants (nn.Conv2d modules, and the
# batched GEMM form); the faster one is "best PyTorch". Same thread count on both sides, recorded.
#   scripts/build -DQUINTET_BUILD_BENCH=ON && bench/vae_nn/vae_vs_python.sh [rounds]
# Environment: VAEBENCH_RUN (a trained VAE-NN run; default: one trained here once, 6 + 6 epochs on the demo
# corpus, into build/vaebench/run6), VAEBENCH_STORE (2-steps-per-beat store for training; default: the demo
# corpus), VAEBENCH_SONGS (batch size, default 8), VAEBENCH_SEEDS (default "1 2 3 4 5 6 7 8"), QUINTET_THREADS
# (threads on both sides; default: what configure_torch_threads() would pick from the load). A CPU without
# AVX-512, emulated on one with it, both sides held to AVX2: QUINTET_CODEC_ISA=avx2 ATEN_CPU_CAPABILITY=avx2
# DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell bench/vae_nn/vae_vs_python.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
ROUNDS="${1:-3}"
BENCH="$BUILD/bench/bench_vae_nn"
CLI="$BUILD/quintet"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
REF=bench/vae_nn/vae_epoch_reference.py
TCMALLOC=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
WORK="$BUILD/vaebench"
SONGS="${VAEBENCH_SONGS:-8}"
SEEDS="${VAEBENCH_SEEDS:-1 2 3 4 5 6 7 8}"
mkdir -p "$WORK"
for f in "$BENCH" "$CLI" "$TCMALLOC"; do [ -e "$f" ] || { echo "missing $f (scripts/build -DQUINTET_BUILD_BENCH=ON; apt install libgoogle-perftools4)" >&2; exit 1; }; done

STORE="${VAEBENCH_STORE:-$WORK/demo.store}"
if [ ! -f "$STORE" ]; then
  echo "building the demo corpus into $STORE"
  "$CLI" corpus demo -o "$STORE" > "$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
fi
RUN="${VAEBENCH_RUN:-$WORK/run6}"
if [ ! -f "$RUN/model.pt" ]; then
  echo "training $RUN (6 + 6 epochs on $STORE)"
  rm -rf "$RUN"
  "$CLI" train vae --corpus "$STORE" --out "$RUN" --epochs 6 --net-epochs 6 --seed 1 --quiet > "$WORK/train.log" 2>&1 \
    || { cat "$WORK/train.log"; exit 1; }
fi

# The same intra-op thread count on both sides: the project's rule (hardware threads the 1-minute load
# leaves free, at least 1) unless QUINTET_THREADS says otherwise.
hw=$(nproc)
if [ -z "${QUINTET_THREADS:-}" ]; then
  QUINTET_THREADS=$(awk -v hw="$hw" '{ t = hw - int($1 + 0.5); if (t < 1) t = 1; if (t > hw) t = hw; print t }' /proc/loadavg)
fi
export QUINTET_THREADS
T=$QUINTET_THREADS
py() { LD_PRELOAD="$TCMALLOC" "$PY" "$@"; }

echo "== set-up"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $hw hardware threads; threads on both sides: $T"
echo "avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no); QUINTET_CODEC_ISA=${QUINTET_CODEC_ISA:-auto}" \
  "ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY:-auto} DNNL_MAX_CPU_ISA=${DNNL_MAX_CPU_ISA:-auto} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
echo "blas: $(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)"
for f in "$BENCH" "$BUILD/quintet-nn"; do
  if ldd "$f" | grep -q tcmalloc; then echo "$(basename "$f"): links tcmalloc"; else echo "$(basename "$f"): NO tcmalloc"; fi
done
echo "python: $(py -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)') (LD_PRELOAD $TCMALLOC)"
echo "run: $RUN ($(tr -d '\n ' < "$RUN/model.json" | head -c 300))"
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
record() {  # record KIND CASE ROUND -- command...: its one JSON line, tagged, into the results; stops on failure
  local kind=$1 case=$2 round=$3 line
  shift 4
  if ! line=$("$@"); then echo "FAILED ($kind $case): $*" >&2; echo "$line" >&2; exit 1; fi
  "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(kind=sys.argv[2], case=sys.argv[3], round=int(sys.argv[4])); print(json.dumps(d))' \
    "$line" "$kind" "$case" "$round" >> "$RESULTS"
}

# The dense and the sparse song: the seeds' note cells at the run's defaults (untimed).
echo "== choosing the dense and the sparse song among seeds: $SEEDS"
best=""; worst=""; hi=-1; lo=999999999
for s in $SEEDS; do
  cells=$("$BENCH" generate --run "$RUN" --blocks 64 --seed "$s" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["notes_cells"])')
  echo "seed $s: $cells note cells"
  if [ "$cells" -gt "$hi" ]; then hi=$cells; best=$s; fi
  if [ "$cells" -lt "$lo" ]; then lo=$cells; worst=$s; fi
done
echo "dense: seed $best ($hi cells); sparse: seed $worst ($lo cells); batch: seeds 1..$SONGS"
# What the Python side reads (seed blocks, noise, the C++ notes), written by the C++ side once.
"$BENCH" generate --run "$RUN" --blocks 64 --seed "$best" --dump "$WORK/dump-dense" > /dev/null
"$BENCH" generate --run "$RUN" --blocks 64 --seed "$worst" --dump "$WORK/dump-sparse" > /dev/null
"$BENCH" generate --run "$RUN" --blocks 64 --seed 1 --songs "$SONGS" --dump "$WORK/dump-batch" > /dev/null

gen_cpp() {  # CASE ROUND
  case $1 in
    dense) record generate dense "$2" -- "$BENCH" generate --run "$RUN" --blocks 64 --seed "$best" ;;
    sparse) record generate sparse "$2" -- "$BENCH" generate --run "$RUN" --blocks 64 --seed "$worst" ;;
    batch) record generate batch "$2" -- "$BENCH" generate --run "$RUN" --blocks 64 --seed 1 --songs "$SONGS" ;;
  esac
}
gen_py() {  # CASE ROUND VARIANT
  record generate "$1" "$2" -- py $REF generate --run "$RUN" --dump "$WORK/dump-$1" --threads "$T" --variant "$3"
}
process_rows() {  # ROUND: whole processes, the dense song (C++ CLI writes the MIDI too)
  local w
  w=$(wall "$CLI" generate "$RUN" -o "$WORK/song.mid" --blocks 64 --seed "$best")
  echo "{\"side\": \"cpp\", \"kind\": \"process\", \"case\": \"dense\", \"round\": $1, \"generate_process_s\": $w}" >> "$RESULTS"
  w=$(wall py $REF generate --run "$RUN" --dump "$WORK/dump-dense" --threads "$T" --variant gemm)
  echo "{\"side\": \"python\", \"variant\": \"gemm\", \"kind\": \"process\", \"case\": \"dense\", \"round\": $1, \"generate_process_s\": $w}" >> "$RESULTS"
  w=$(wall "$CLI" version)
  echo "{\"side\": \"cpp\", \"kind\": \"start\", \"case\": \"-\", \"round\": $1, \"start_s\": $w}" >> "$RESULTS"
  w=$(wall py -c 'import torch')
  echo "{\"side\": \"python\", \"variant\": \"-\", \"kind\": \"start\", \"case\": \"-\", \"round\": $1, \"start_s\": $w}" >> "$RESULTS"
}
train_cpp() { record train corpus "$1" -- "$BENCH" train --corpus "$STORE" --run "$WORK/train-run"; }
train_py() { record train corpus "$1" -- py $REF train --store "$STORE" --threads "$T" --variant "$2"; }

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  for c in dense sparse batch; do
    if [ $((r % 2)) -eq 1 ]; then gen_cpp $c "$r"; gen_py $c "$r" conv; gen_py $c "$r" gemm
    else gen_py $c "$r" gemm; gen_py $c "$r" conv; gen_cpp $c "$r"; fi
  done
  process_rows "$r"
  if [ $((r % 2)) -eq 1 ]; then train_cpp "$r"; train_py "$r" conv; train_py "$r" gemm
  else train_py "$r" gemm; train_py "$r" conv; train_cpp "$r"; fi
  echo "{\"kind\": \"load\", \"round\": $r, \"load1\": $(cut -d' ' -f1 /proc/loadavg)}" >> "$RESULTS"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
record sgemm - 0 -- "$BENCH" sgemm --size 2048 --threads "$T"

"$PY" bench/vae_nn/vae_bench_table.py "$RESULTS"
