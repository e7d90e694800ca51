#!/usr/bin/env python3
"""PyTorch reference for bench_allreduce: torch.distributed (Gloo) all-reduce of the same gradient bytes in the
same buckets, as DDP keeps them (persistent flat buckets, no flatten/unflatten). One rank of a job started by
allreduce_bench.sh with torchrun's variables. Usage: allreduce_reference.py ROUNDS NAME=BYTES..."""
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist


def main():
    rounds = int(sys.argv[1])
    cases = [(a.split("=")[0], int(a.split("=")[1])) for a in sys.argv[2:]]
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    for name, nbytes in cases:
        floats = nbytes // 4
        for mib in (1, 4, 25, 100):
            per = max(1, mib * 1048576 // 4)
            buckets = [torch.randn(min(per, floats - i)) for i in range(0, floats, per)]
            works = [dist.all_reduce(b, async_op=True) for b in buckets]  # warm-up
            for w in works:
                w.wait()
            times = []
            n = rounds if "transformer" not in name else max(3, rounds // 3)
            for _ in range(n):
                t0 = time.perf_counter()
                for b in buckets:
                    b.mul_(0.5)
                works = [dist.all_reduce(b, async_op=True) for b in buckets]
                for w in works:
                    w.wait()
                times.append((time.perf_counter() - t0) * 1000)
            if rank == 0:
                print(f"python {name:28s} bytes {nbytes:10d}  tensors    -  bucket_MiB {mib:4d}  median_ms {statistics.median(times):8.2f}"
                      f"  min_ms {min(times):8.2f}  rounds {n}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
