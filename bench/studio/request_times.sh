#!/usr/bin/env bash
# Times of studio generation requests: starts `quintet studio` on RUNS, asks for ROUNDS songs of BLOCKS blocks
# from RUN (seeds 1..ROUNDS), and prints for each the client's times (first_audio.py: POST to job done, to the
# first audio, to the whole WAV) and the job's seconds as the server measured them (open, generate, png,
# total; the WAV is rendered after the job). Needs python3.
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
python3 "$(dirname "$0")/first_audio.py" "$url" "$RUN" "$BLOCKS" "$ROUNDS"
echo "uptime: $(uptime)"
