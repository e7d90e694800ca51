#!/usr/bin/env bash
# npz read throughput over ../shared/data/lpd5: Quintet's read_npz next to numpy's np.load (+ dense rolls
# as pypianoroll builds them), in the same run. Needs a build with -DQUINTET_BUILD_BENCH=ON:
#   cmake -S . -B build -DQUINTET_BUILD_BENCH=ON && ninja -C build bench_npz_read && bench/io/npz_vs_numpy.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
PY=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null && PY=/usr/bin/python3
echo "== ours (read_npz: read file, unzip + CRC check, parse npy, build dense T x 128 rolls; tcmalloc as the CLI)"
ours=$("$BUILD/bench/bench_npz_read" --benchmark_filter=BM_ReadNpzFromDisk --benchmark_format=json 2>/dev/null)
read -r ours_cpu ours_wall < <(echo "$ours" | $PY -c '
import json, sys
b = json.load(sys.stdin)["benchmarks"][0]
n = b["files"]; scale = {"ms": 1e3, "us": 1e6, "ns": 1e9, "s": 1.0}[b["time_unit"]]
print("%.1f %.1f" % (n / (b["cpu_time"] / scale), n / (b["real_time"] / scale)))')
echo "quintet: cpu $ours_cpu files/s; wall $ours_wall files/s"
echo "== numpy (np.load + info.json + dense rolls, warm loop)"
numpy_line=$($PY bench/io/npz_load_numpy.py 5)
echo "$numpy_line"
numpy_cpu=$(echo "$numpy_line" | sed -E 's/.*cpu [0-9.]+ s -> ([0-9.]+) files\/s.*/\1/')
numpy_wall=$(echo "$numpy_line" | sed -E 's/.*wall [0-9.]+ s -> ([0-9.]+) files\/s.*/\1/')
$PY -c "print('speed-up per file: cpu %.1fx, wall %.1fx' % ($ours_cpu / $numpy_cpu, $ours_wall / $numpy_wall))"
