#!/usr/bin/env bash
# Server-side times of studio generation requests: starts `quintet studio` on RUNS, asks for ROUNDS songs of
# BLOCKS blocks from RUN (seeds 1..ROUNDS), and prints each job's seconds (open, generate, png, wav, total)
# as the server measured them. Needs curl and python3.
#   bench/studio/request_times.sh RUNS RUN BLOCKS [ROUNDS]
set -euo pipefail
RUNS=$1 RUN=$2 BLOCKS=$3 ROUNDS=${4:-3}
Q="$(dirname "$0")/../../build/quintet"
state=$(mktemp -d "${TMPDIR:-/tmp}/quintet-studio-bench.XXXXXX")
"$Q" studio --runs "$RUNS" --state "$state" --port 0 > "$state/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 100); do grep -q http "$state/log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*/' "$state/log")
echo "uptime: $(uptime)"
for seed in $(seq "$ROUNDS"); do
  job=$(curl -sf -X POST "${url}api/generate" -d "{\"run\":\"$RUN\",\"knobs\":{\"--blocks\":$BLOCKS,\"--seed\":\"$seed\"}}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["job"])')
  while :; do
    status=$(curl -sf "${url}api/jobs/$job")
    echo "$status" | grep -q '"state":"\(done\|failed\)"' && break
    sleep 0.1
  done
  echo "$status" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("blocks '"$BLOCKS"' seed '"$seed"':", s.get("error") or {k: round(v, 3) for k, v in s["result"]["seconds"].items()})'
done
