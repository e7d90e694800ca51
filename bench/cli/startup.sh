#!/usr/bin/env bash
# Whole-process start-up of the commands that use no model (docs/BENCHMARKS.md "Start-up"): `quintet version`
# and `quintet inspect` on one LPD-5 file, and `generate` (handed over to quintet-nn), with hyperfine;
# medians of 20 runs (5 for generate) and the peak memory of `version`. With a second binary (OTHER, e.g. a
# build of an earlier commit) both are measured in the same run, alternating.
# usage: bench/cli/startup.sh [OTHER_QUINTET] [RUN]   (RUN: a trained run directory for the generate row)
set -euo pipefail
cd "$(dirname "$0")/../.."
Q=build/quintet
OTHER=${1:-}
RUN=${2:-}
SONG=${QUINTET_DATA:-../shared/data}/lpd5/mma__solo_solo.npz
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bins=("$Q")
[ -n "$OTHER" ] && bins+=("$OTHER")
cmds=()
for b in "${bins[@]}"; do cmds+=("$b version" "$b inspect $SONG"); done
hyperfine -N -w 3 -r 20 "${cmds[@]}" --export-json "$out/a.json" > /dev/null
if [ -n "$RUN" ]; then
  gen=()
  for b in "${bins[@]}"; do gen+=("$b generate $RUN -o $out/song.mid --seed 2"); done
  hyperfine -N -w 1 -r 5 "${gen[@]}" --export-json "$out/b.json" > /dev/null
fi
python3 - "$out" <<'PY'
import json, sys, os, statistics
for f in ("a.json", "b.json"):
    p = os.path.join(sys.argv[1], f)
    if os.path.exists(p):
        for r in json.load(open(p))["results"]:
            print(f"{statistics.median(r['times']) * 1000:8.1f} ms median  {r['command']}")
PY
for b in "${bins[@]}"; do echo "$(/usr/bin/time -f '%M' "$b" version 2>&1 > /dev/null | tail -1) KiB peak  $b version"; done
