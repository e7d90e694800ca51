#!/usr/bin/env python3
"""The tables of bench/vae_nn/vae_vs_python.sh from its results.jsonl (one JSON object per measurement):
medians over the rounds per side, Python variant and case; the C++ advantage over each variant and over best
PyTorch (the faster variant's median); checks that every Python generation gave the C++ notes."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]


def values(kind, case, side, key, variant=None):
    return [r[key] for r in rows if r.get("kind") == kind and r.get("case") == case and r.get("side") == side
            and (variant is None or r.get("variant") == variant)]


def med(*args, **kw):
    v = values(*args, **kw)
    return statistics.median(v) if v else float("nan")


gen = [r for r in rows if r.get("kind") == "generate" and r["side"] == "python"]
assert gen and all(r["same_notes"] for r in gen), "a Python generation differs from the C++ notes"
threads = sorted({r["threads"] for r in rows if "threads" in r and r.get("kind") in ("generate", "train")})
tcm = all(r.get("tcmalloc") for r in rows if r.get("side") == "python" and "tcmalloc" in r)
print(f"\nrounds: {max(r['round'] for r in rows)}; threads (both sides): {threads}; python tcmalloc: {tcm}; "
      f"every Python song equal to the C++ one, cell for cell: {all(r['same_notes'] for r in gen)} ({len(gen)} runs)")
for case in ("dense", "sparse", "batch"):
    c = [r for r in rows if r.get("kind") == "generate" and r.get("case") == case and r["side"] == "cpp"]
    if c:
        print(f"{case}: {c[0]['songs']} song(s), seed {c[0]['seed']}{'..' if c[0]['songs'] > 1 else ''}, "
              f"{c[0]['notes_cells']} note cells in all")

print("\n| measure | C++ (Quintet) | PyTorch conv | PyTorch GEMM | C++ vs best PyTorch |")
print("|---|---|---|---|---|")


def row(name, kind, case, key, unit, lower_is_better=True, fmt="{:.3f}"):
    c = med(kind, case, "cpp", key)
    p = {v: med(kind, case, "python", key, v) for v in ("conv", "gemm")}
    finite = [x for x in p.values() if x == x]
    if not finite:
        return
    best = min(finite) if lower_is_better else max(finite)
    ratio = best / c if lower_is_better else c / best
    cells = [fmt.format(x) + " " + unit if x == x else "-" for x in (c, p["conv"], p["gemm"])]
    print(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | **{ratio:.2f}x** |")


for case, label in (("dense", "dense song"), ("sparse", "sparse song"), ("batch", "batch of songs")):
    row(f"generate 64 blocks, {label}: loop", "generate", case, "generate_s", "s")
    row(f"generate 64 blocks, {label}: model load + loop", "generate", case, "load_and_generate_s", "s")
row("train: end to end (store -> windows, 1 epoch, valid pass, checkpoints)", "train", "corpus",
    "end_to_end_samples_per_s", "windows/s", False, "{:.0f}")
row("train: training pass only", "train", "corpus", "train_pass_samples_per_s", "windows/s", False, "{:.0f}")
row("train: end to end per CPU-second", "train", "corpus", "end_to_end_samples_per_cpu_s", "windows/s", False, "{:.0f}")

c, p = med("process", "dense", "cpp", "generate_process_s"), med("process", "dense", "python", "generate_process_s")
print(f"| whole process, dense song (C++: quintet generate, writes the MIDI; Python: GEMM variant) | {c:.3f} s | - | "
      f"{p:.3f} s | {p / c:.2f}x |")
c, p = med("start", "-", "cpp", "start_s"), med("start", "-", "python", "start_s")
print(f"| process start (quintet version; python3 -c 'import torch') | {c:.3f} s | - | {p:.3f} s | {p / c:.2f}x |")

batch = [r for r in rows if r.get("kind") == "generate" and r.get("case") == "batch" and r["side"] == "cpp"]
if batch:
    n = batch[0]["songs"]
    for side, variant in (("cpp", None), ("python", "conv"), ("python", "gemm")):
        one = med("generate", "dense", side, "generate_s", variant)
        many = med("generate", "batch", side, "generate_s", variant)
        print(f"per song in the batch of {n}, loop: {side}{'' if variant is None else ' ' + variant} {many / n:.4f} s "
              f"(dense song alone {one:.4f} s)")
flops = [r["flops_per_window"] for r in rows if r.get("kind") == "train" and r["side"] == "cpp"][0]
peak = [r for r in rows if r.get("kind") == "sgemm"]
for side, variant in (("cpp", None), ("python", "conv"), ("python", "gemm")):
    gf = med("train", "corpus", side, "train_pass_samples_per_s", variant) * flops / 1e9
    extra = f" = {100 * gf / peak[0]['gflops']:.0f}% of sgemm at the same threads ({peak[0]['gflops']:.0f} GFLOP/s)" if peak else ""
    print(f"training pass GFLOP/s ({flops / 1e6:.1f} MFLOP per window, analytic): {side}"
          f"{'' if variant is None else ' ' + variant} {gf:.1f}{extra}")
print("load average (1 min) after each round: " + ", ".join(str(r["load1"]) for r in rows if r.get("kind") == "load"))
