#!/usr/bin/env python3
"""Model of data-parallel scaling from measured numbers (docs/BENCHMARKS.md, "Distributed training").

Per optimiser step a rank computes for T_c seconds (its own batch: weak scaling, T_c does not change with N),
then all-reduces S bytes of gradients, which this implementation does not overlap with backward. A ring
all-reduce over N ranks sends and receives 2 (N - 1) / N * S bytes per rank in 2 (N - 1) messages, so

    T_ar(N) = T_host + 2 (N - 1) / N * S / BW + 2 (N - 1) * alpha

T_host is the host-side work of one all-reduce measured on loopback with 2 ranks (scale and reduce the buckets:
the wire term of loopback is part of it, so the model overstates loopback a little); BW and alpha are a link's
bandwidth per direction and per-message latency. The fraction of a step spent in the all-reduce is
T_ar / (T_c + T_ar); the speed-up over one rank is N * T_c / (T_c + T_ar).

Usage: scaling_model.py NAME:S_BYTES:T_C_S:T_HOST_S ...
"""
import sys

LINKS = [  # name, bytes/s per direction, latency per message (s), host-side work counted (Gloo: yes)
    ("100 Mbit/s Ethernet, Gloo", 100e6 / 8, 100e-6, True),
    ("10 Gbit/s Ethernet, Gloo", 10e9 / 8, 20e-6, True),
    ("NVLink-class 150 GB/s, Gloo via host", 150e9, 5e-6, True),
    ("NVLink-class 150 GB/s, NCCL (never run)", 150e9, 5e-6, False),
]
RANKS = [8, 16, 32, 64]


def main():
    for arg in sys.argv[1:]:
        name, s, t_c, t_host = arg.split(":")
        s, t_c, t_host = float(s), float(t_c), float(t_host)
        print(f"\n{name}: S = {s / 1e6:.1f} MB of gradients, T_c = {t_c * 1000:.0f} ms per step, "
              f"T_host = {t_host * 1000:.1f} ms (loopback, 2 ranks)\n")
        print("| link | " + " | ".join(f"N={n}: all-reduce ms, share of step, speed-up" for n in RANKS) + " |")
        print("|---|" + "---|" * len(RANKS))
        for link, bw, alpha, host in LINKS:
            cells = []
            for n in RANKS:
                t_ar = (t_host if host else 0) + 2 * (n - 1) / n * s / bw + 2 * (n - 1) * alpha
                share = t_ar / (t_c + t_ar)
                speedup = n * t_c / (t_c + t_ar)
                cells.append(f"{t_ar * 1000:.0f} ms, {share:.0%}, {speedup:.1f}x")
            print(f"| {link} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
