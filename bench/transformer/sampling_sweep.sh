#!/usr/bin/env bash
# How much a trained Transformer-XL plays under each sampling setting: N songs of B bars per setting (seeds
# 1..N), then `quintet eval` against the store's valid split; prints, per setting and for the corpus, MusPy's
# empty-beat rate (share of beats without a sounding note), notes per bar (all tracks, and the pitched ones: the
# musicautobot vocabulary has no drums) and pitches used. Notes are counted on rolls in both sets (a run of active
# cells of one pitch is one note): generated MIDI through `quintet inspect`, the store's valid split read directly.
# Used to choose the generation defaults (docs/transformer.md, docs/RESULTS.md).
#   bench/transformer/sampling_sweep.sh RUN STORE [songs=8] [bars=16] ["topk:topp[:temp]" ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${QUINTET_BUILD_DIR:-build}"
RUN="$1"
STORE="$2"
SONGS="${3:-8}"
BARS="${4:-16}"
shift $(( $# < 4 ? $# : 4 ))
SETTINGS=("$@")
[ ${#SETTINGS[@]} -gt 0 ] || SETTINGS=("30:0.6" "30:0.9" "30:1" "0:1")
OUT="$RUN/sampling-sweep"
mkdir -p "$OUT"
for s in "${SETTINGS[@]}"; do
  IFS=: read -r k p t <<< "$s"
  t="${t:-1}"
  dir="$OUT/k$k-p$p-t$t"
  [ -s "$dir/eval.json" ] && [ -s "$dir/inspect.jsonl" ] && continue  # measured before: only the table again
  mkdir -p "$dir/songs"
  for i in $(seq 1 "$SONGS"); do
    "$BUILD/quintet" generate "$RUN" -o "$dir/songs/song-$i.mid" --bars "$BARS" --seed "$i" --top-k "$k" --top-p "$p" \
      --note-temperature "$t" --duration-temperature "$t" > /dev/null 2>&1
  done
  "$BUILD/quintet" eval "$dir/songs" --reference "$STORE" --split valid --json -j 1 > "$dir/eval.json" 2> /dev/null
  for i in $(seq 1 "$SONGS"); do "$BUILD/quintet" inspect "$dir/songs/song-$i.mid" --json; done > "$dir/inspect.jsonl"
done
/usr/bin/python3 - "$STORE" "$OUT" "${SETTINGS[@]}" <<'PYEOF'
import json, sys, os
import numpy as np
store, out, settings = sys.argv[1], sys.argv[2], sys.argv[3:]
# The store's layout (src/corpus/store_format.hpp), as bench/frame_rnn/frame_rnn_reference.py reads it.
HEADER = np.dtype([("magic", "S8"), ("version", "<u4"), ("resolution", "<u4"), ("song_count", "<u8"),
                   ("index_offset", "<u8"), ("strings_offset", "<u8"), ("strings_size", "<u8"),
                   ("file_size", "<u8"), ("index_entry_size", "<u4"), ("families", "<u4")])
ENTRY = np.dtype([("roll_offset", "<u8"), ("steps", "<u8"), ("tempo", "<f8"), ("strings_pos", "<u8"),
                  ("split", "u1"), ("reserved", "u1", 7)])
def store_notes_per_bar(path, split=1):
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    h = mm[:64].view(HEADER)[0]
    steps_per_bar = 4 * int(h["resolution"])
    n, off = int(h["song_count"]), int(h["index_offset"])
    notes = pitched = bars = 0
    for e in mm[off:off + n * ENTRY.itemsize].view(ENTRY):
        steps = int(e["steps"])
        if e["split"] != split or steps == 0:
            continue
        start = int(e["roll_offset"])
        on = mm[start:start + 5 * steps * 128].reshape(5, steps, 128) != 0
        onsets = on & ~np.concatenate([np.zeros((5, 1, 128), bool), on[:, :-1]], 1)
        per_family = onsets.sum(axis=(1, 2))
        notes += int(per_family.sum())
        pitched += int(per_family[1:].sum())  # family 0 is drums
        bars += -(-steps // steps_per_bar)
    return notes / bars, pitched / bars
def metric(report, name, side):
    for row in report["metrics"]:
        if row.get("metric") == name and row.get("scope") in ("song", "all"):
            return row[side]
    return None
def notes_per_bar(path):
    notes = pitched = bars = 0
    text, at, decoder = open(path).read(), 0, json.JSONDecoder()
    while text[at:].strip():  # `quintet inspect --json` objects one after another, each over several lines
        j, end = decoder.raw_decode(text[at:].lstrip())
        at = len(text) - len(text[at:].lstrip()) + end
        notes += sum(t["notes"] for t in j["tracks"])
        pitched += sum(t["notes"] for t in j["tracks"] if not t["is_drum"])
        bars += j["bars"]
    return (notes / bars, pitched / bars) if bars else (0, 0)
ref_all, ref_pitched = store_notes_per_bar(store)
print(f"valid split of {store}: {ref_all:.2f} notes per bar, {ref_pitched:.2f} pitched")
print("| top-k | top-p | temperature | empty beats (generated / valid) | notes per bar (all / pitched) | pitches used (generated / valid) |")
print("|---|---|---|---|---|---|")
for s in settings:
    k, p, *t = s.split(":")
    t = t[0] if t else "1"
    d = os.path.join(out, f"k{k}-p{p}-t{t}")
    r = json.load(open(os.path.join(d, "eval.json")))
    eb_g, eb_r = metric(r, "empty_beat_rate", "generated"), metric(r, "empty_beat_rate", "reference")
    pu_g, pu_r = metric(r, "n_pitches_used", "generated"), metric(r, "n_pitches_used", "reference")
    f = lambda v: "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
    a, pn = notes_per_bar(os.path.join(d, "inspect.jsonl"))
    print(f"| {k} | {p} | {t} | {f(eb_g)} / {f(eb_r)} | {a:.2f} / {pn:.2f} | {f(pu_g)} / {f(pu_r)} |")
PYEOF
