#!/usr/bin/env bash
# Gradient all-reduce times on loopback: N ranks (default 2) of build/bench/bench_allreduce, 1 thread each.
# Usage: bench/distributed/allreduce_bench.sh [ranks] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ranks=${1:-2}
rounds=${2:-10}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=()
for ((r = 0; r < ranks; r++)); do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$r WORLD_SIZE=$ranks LOCAL_RANK=$r LOCAL_WORLD_SIZE=$ranks \
    QUINTET_THREADS=1 build/bench/bench_allreduce "$rounds" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
