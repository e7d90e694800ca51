#!/usr/bin/env bash
# Corpus build rate: `quintet corpus build` over ../shared/data/lpd5 (191 LPD-5 .npz) and over the
# MIDI files they were made from (../shared/data/midi/{freedoom,openmsx,blupi,mma,lmd-multitrack}),
# and `quintet corpus demo` (Debian packages). Best of RUNS wall times (process start included),
# songs/s = songs offered / wall time, CPU = user + sys seconds of that run (the machine is shared:
# songs per CPU-second is the steadier figure), peak RSS from /usr/bin/time.
# Usage: bench/corpus/corpus_build_rate.sh [build/quintet]   (env: QUINTET_DATA, RUNS, RESOLUTION)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/quintet}
DATA=${QUINTET_DATA:-../shared/data}
RUNS=${RUNS:-3}
RES=${RESOLUTION:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A MIDI folder of the sources of lpd5 (symlinks, so nothing is copied).
mkdir -p "$tmp/midi"
for d in freedoom openmsx blupi mma lmd-multitrack; do
  for f in "$DATA/midi/$d"/*.mid; do ln -s "$(readlink -f "$f")" "$tmp/midi/${d}__$(basename "$f")"; done
done

measure() {  # label songs-offered command...
  local label=$1 offered=$2; shift 2
  local best="" rss="" line="" cpu=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$@" -o "$tmp/s.qstore" --resolution "$RES" -q > "$tmp/out"
    read -r wall kb user sys < "$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
      best=$wall; rss=$kb; cpu=$(awk "BEGIN{print $user + $sys}"); line=$(tail -1 "$tmp/out")
    fi
  done
  local size
  size=$(stat -c %s "$tmp/s.qstore")
  printf '%-34s %4d songs  %5.2f s wall  %6.1f songs/s  CPU %5.2f s (%5.1f songs/CPU-s)  RSS %3d MiB  store %4.1f MiB\n' \
    "$label" "$offered" "$best" "$(awk "BEGIN{print $offered/$best}")" "$cpu" "$(awk "BEGIN{print $offered/$cpu}")" \
    $((rss / 1024)) "$(awk "BEGIN{print $size/1048576}")"
  echo "    $line"
}

n_npz=$(ls "$DATA/lpd5"/*.npz | wc -l)
n_mid=$(ls "$tmp/midi" | wc -l)
echo "quintet corpus build rate, resolution $RES, best of $RUNS, $(nproc) cores, $(date -u +%Y-%m-%d)"
measure "build lpd5 (.npz)" "$n_npz" "$BIN" corpus build "$DATA/lpd5"
measure "build lpd5 sources (.mid)" "$n_mid" "$BIN" corpus build "$tmp/midi"
n_demo=$("$BIN" corpus demo -o "$tmp/d.qstore" -q | sed -n 's/^wrote [0-9]* of \([0-9]*\) songs.*/\1/p')
measure "demo (Debian packages, .mid/WAD)" "${n_demo:-0}" "$BIN" corpus demo
