#!/usr/bin/env bash
# Scale check for `quintet corpus build`: an LPD-5-cleansed-shaped tree of N songs (default 21,425, the
# size of LPD-5 cleansed) made of symlinks to the 191 files of ../shared/data/lpd5 under fake md5 /
# MSD ids (A/B/C/TRABC.../<md5>.npz), with cleansed_ids.txt and a processed_metadata.json of N entries.
# --keep-duplicates makes every song count, so the store really holds N songs. Reports wall time,
# songs/s, peak RSS (bounded memory: it must not grow with N) and the store size. Needs ~N/191 x 72 MB
# of free disk at resolution 2 (8 GB for 21,425); everything is deleted afterwards.
# Usage: bench/corpus/corpus_scale.sh [build/quintet] [N]   (env: QUINTET_DATA, RESOLUTION, TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/quintet}")
N=${2:-21425}
DATA=$(readlink -f "${QUINTET_DATA:-../shared/data}")
RES=${RESOLUTION:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$DATA/lpd5" "$tmp/lpd_5_cleansed" "$N" <<'PY'
import hashlib, json, os, sys
src, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(f for f in os.listdir(src) if f.endswith(".npz"))
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ids, meta = [], []
for i in range(n):
    md5 = hashlib.md5(f"song{i}".encode()).hexdigest()
    h = int(md5, 16)
    msd = "TR" + "".join(alphabet[(h >> (5 * k)) % 26 if k < 3 else (h >> (5 * k)) % 36] for k in range(16))
    d = os.path.join(root, msd[2], msd[3], msd[4], msd)
    os.makedirs(d, exist_ok=True)
    os.symlink(os.path.join(src, files[i % len(files)]), os.path.join(d, md5 + ".npz"))
    ids.append(f"{md5}    {msd}")
    meta.append({"msd_id": msd, "artist": f"Artist {i % 997}", "title": f"Song {i}", "genre_tagtraum": ["Pop_Rock"]})
open(os.path.join(root, "cleansed_ids.txt"), "w").write("\n".join(ids) + "\n")
json.dump(meta, open(os.path.join(root, "processed_metadata.json"), "w"))
PY

echo "quintet corpus build, LPD-shaped tree of $N songs, resolution $RES, $(nproc) cores, $(date -u +%Y-%m-%d)"
/usr/bin/time -f "%e %M" -o "$tmp/time" "$BIN" corpus build "$tmp/lpd_5_cleansed" -o "$tmp/s.qstore" \
  --resolution "$RES" --keep-duplicates 2> "$tmp/err" | tail -1
read -r wall kb < "$tmp/time"
grep -c '^warning' "$tmp/err" | sed 's/^/warnings: /' || true
tail -1 "$tmp/err"
printf 'wall %.1f s, %.1f songs/s, peak RSS %d MiB, store %.2f GiB\n' "$wall" "$(awk "BEGIN{print $N/$wall}")" \
  $((kb / 1024)) "$(awk "BEGIN{print $(stat -c %s "$tmp/s.qstore")/1073741824}")"
"$BIN" corpus stats "$tmp/s.qstore" | head -4
