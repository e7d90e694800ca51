#!/usr/bin/env bash
# Render throughput of `quintet render`: WAV (FluidSynth, FluidR3 GM) and PNG, per file, over the first N
# LPD-5 files of ../shared/data/lpd5 whose names start with PREFIX. Reports audio seconds per CPU second
# (user+sys, so other jobs on a shared machine do not distort it) and wall time.
# usage: bench/io/render_bench.sh [PREFIX=freedoom] [N=10]   (needs build/quintet)
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="${1:-freedoom}"; n="${2:-10}"
data="${QUINTET_DATA:-../shared/data}/lpd5"
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
audio=0; wav_cpu=0; wav_wall=0; png_cpu=0; png_wall=0; files=0
for f in $(ls "$data"/"$prefix"*.npz | head -n "$n"); do
  /usr/bin/time -f "%U %S %e" -o "$out/t" build/quintet render "$f" --wav "$out/a.wav" > "$out/log"
  read -r u s e < "$out/t"
  secs=$(sed -n 's/.*(\([0-9.]*\) s,.*/\1/p' "$out/log")
  audio=$(echo "$audio + $secs" | bc -l); wav_cpu=$(echo "$wav_cpu + $u + $s" | bc -l); wav_wall=$(echo "$wav_wall + $e" | bc -l)
  /usr/bin/time -f "%U %S %e" -o "$out/t" build/quintet render "$f" --png "$out/a.png" > /dev/null
  read -r u s e < "$out/t"
  png_cpu=$(echo "$png_cpu + $u + $s" | bc -l); png_wall=$(echo "$png_wall + $e" | bc -l)
  files=$((files + 1))
done
printf "files %d, audio %.1f s\n" "$files" "$audio"
printf "WAV: %.2f s CPU, %.2f s wall in all; %.1f s of audio per CPU second; %.2f s CPU per file\n" \
  "$wav_cpu" "$wav_wall" "$(echo "$audio / $wav_cpu" | bc -l)" "$(echo "$wav_cpu / $files" | bc -l)"
printf "PNG: %.3f s CPU, %.2f s wall in all; %.3f s CPU per file\n" "$png_cpu" "$png_wall" "$(echo "$png_cpu / $files" | bc -l)"
