#!/usr/bin/env bash
# Gradient all-reduce times on loopback, C++ (build/bench/bench_allreduce: DataParallel::reduce_gradients over
# the real models' parameters) and the PyTorch reference (allreduce_reference.py: torch.distributed Gloo on the
# same bytes and buckets), alternating, N ranks each (default 2), 1 thread per rank. BEFORE=PATH adds another
# bench_allreduce binary (one built from an older commit) to the alternation; its lines start with "before".
# Usage: [BEFORE=path/to/bench_allreduce] bench/distributed/allreduce_bench.sh [ranks] [rounds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
ranks=${1:-2}
rounds=${2:-10}
repeats=${3:-2}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start() {  # start N ranks of a command with torchrun's variables, wait for all
  local port pids=()
  port=$(free_port)
  for ((r = 0; r < ranks; r++)); do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$r WORLD_SIZE=$ranks LOCAL_RANK=$r LOCAL_WORLD_SIZE=$ranks \
      QUINTET_THREADS=1 OMP_NUM_THREADS=1 "$@" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}
echo "uptime: $(uptime)"
for ((i = 1; i <= repeats; i++)); do
  echo "== round $i"
  cpp=$(start build/bench/bench_allreduce "$rounds")
  echo "$cpp"
  if [ -n "${BEFORE:-}" ]; then start "$BEFORE" "$rounds" | sed 's/^c++   /before/'; fi
  # The reference reduces the same byte counts (column 2 of the C++ lines, once per model).
  args=$(echo "$cpp" | awk '$3 == "bytes" && !seen[$2]++ {printf "%s=%s ", $2, $4}')
  start "${PYTHON:-/usr/bin/python3}" bench/distributed/allreduce_reference.py "$rounds" $args
done
echo "uptime: $(uptime)"
