#!/usr/bin/env python3
"""The table of bench/vae_nn/vae_vs_python.sh from its results.jsonl (one JSON object per measurement):
medians over the rounds, the C++ advantage, training GFLOP/s against the measured sgemm peak."""
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(kind, side, key):
    v = [r[key] for r in rows if r.get("kind") == kind and r.get("side") == side]
    return statistics.median(v) if v else float("nan")
def line(name, c, p, unit, faster_is="higher"):
    ratio = c / p if faster_is == "higher" else p / c
    print(f"| {name} | {c:.3g} {unit} | {p:.3g} {unit} | {ratio:.2f}x |")
n = [r for r in rows if r["kind"] == "train" and r["side"] == "cpp"][0]
pn = [r for r in rows if r["kind"] == "train" and r["side"] == "python"][0]
assert n["train_windows"] == pn["train_windows"], "the two sides read different windows"
print(f"\nrounds: {max(r['round'] for r in rows)}; threads: {n['threads']} (python {pn['threads']}); "
      f"train windows: {n['train_windows']}, valid windows: {n['valid_windows']}; medians over the rounds")
print("| measure | C++ (Quintet) | Python (PyTorch) | C++ advantage |")
print("|---|---|---|---|")
line("train: end to end (store -> windows, 1 epoch, valid pass, checkpoints)", med("train", "cpp", "end_to_end_samples_per_s"),
     med("train", "python", "end_to_end_samples_per_s"), "samples/s")
line("train: end to end, per CPU-second (user + system)", med("train", "cpp", "end_to_end_samples_per_cpu_s"),
     med("train", "python", "end_to_end_samples_per_cpu_s"), "samples/s")
line("train: training pass only (batching + 5 VAE steps)", med("train", "cpp", "train_pass_samples_per_s"),
     med("train", "python", "train_pass_samples_per_s"), "samples/s")
line("generate 64 blocks: model load + loop (in process)", med("generate", "cpp", "load_and_generate_s"),
     med("generate", "python", "load_and_generate_s"), "s", "lower")
line("generate 64 blocks: loop only", med("generate", "cpp", "generate_s"), med("generate", "python", "generate_s"), "s", "lower")
line("generate 64 blocks: whole process (C++ CLI writes the MIDI too)", med("process", "cpp", "generate_process_s"),
     med("process", "python", "generate_process_s"), "s", "lower")
line("process start (C++: quintet version; Python: import torch)", med("start", "cpp", "start_s"),
     med("start", "python", "start_s"), "s", "lower")
flops = n["flops_per_window"]
# The peak is the best round (each round already keeps the best of 5 products): other jobs only slow it.
peak_all = max([r["gflops"] for r in rows if r["kind"] == "sgemm"])
peak_t = max([r["gflops"] for r in rows if r["kind"] == "sgemm_t"])
threads_all = [r["threads"] for r in rows if r["kind"] == "sgemm"][0]
c_gf = med("train", "cpp", "train_pass_samples_per_s") * flops / 1e9
p_gf = med("train", "python", "train_pass_samples_per_s") * flops / 1e9
print(f"\ntraining FLOPs per window (5 VAEs, forward + backward, analytic): {flops / 1e6:.1f} MFLOP")
print(f"sgemm peak (torch::mm 2048^2, best of 5 per round, best round): {peak_all:.1f} GFLOP/s at {threads_all} threads, "
      f"{peak_t:.1f} GFLOP/s at {n['threads']}")
print(f"achieved in the training pass: C++ {c_gf:.1f} GFLOP/s = {100 * c_gf / peak_all:.0f}% of the all-thread peak "
      f"({100 * c_gf / peak_t:.0f}% of the {n['threads']}-thread peak); Python {p_gf:.1f} GFLOP/s = "
      f"{100 * p_gf / peak_all:.0f}% ({100 * p_gf / peak_t:.0f}%)")
c_cpu = med("train", "cpp", "end_to_end_samples_per_cpu_s") * flops / 1e9
p_cpu = med("train", "python", "end_to_end_samples_per_cpu_s") * flops / 1e9
peak_cpu = max([r["gflops_per_cpu_s"] for r in rows if r["kind"] == "sgemm_t"])
print(f"per CPU-second (load removed): sgemm {peak_cpu:.1f} GFLOP/s per busy core; the whole training epoch: "
      f"C++ {c_cpu:.1f} GFLOP/s = {100 * c_cpu / peak_cpu:.0f}% of it, Python {p_cpu:.1f} GFLOP/s = {100 * p_cpu / peak_cpu:.0f}%")
print("load average (1 min) after each round: " + ", ".join(str(r["load1"]) for r in rows if r["kind"] == "load"))
