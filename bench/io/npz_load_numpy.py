#!/usr/bin/env python3
"""numpy side of bench/io/npz_vs_numpy.sh: load every LPD-5 .npz the way pypianoroll does (np.load,
info.json, every CSC member, then each track made dense as csc_matrix(...).toarray() would; scipy is
not in Debian's base install, so the dense fill is the same vectorised numpy operation) and print
files/s (CPU and wall time) over several rounds. Interpreter start-up is excluded: this is the per-file cost in a warm loop."""
import glob, json, os, sys, time
import numpy as np


def load(path):
    with np.load(path) as f:
        info = json.loads(f["info.json"].decode())  # a raw member: np.load returns its bytes
        tempo = f["tempo"]
        downbeat = f["downbeat"] if "downbeat" in f else None
        rolls = []
        i = 0
        while str(i) in info:
            p = "pianoroll_%d_csc_" % i
            data, indices, indptr, shape = f[p + "data"], f[p + "indices"], f[p + "indptr"], f[p + "shape"]
            roll = np.zeros(tuple(shape), data.dtype)
            cols = np.repeat(np.arange(shape[1]), np.diff(indptr))
            roll[indices, cols] = data
            rolls.append(roll)
            i += 1
    return tempo, downbeat, rolls


def main():
    data = os.environ.get("QUINTET_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    files = sorted(glob.glob(os.path.join(data, "lpd5", "*.npz")))
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not files:
        sys.exit("no .npz files in %s/lpd5" % data)
    for f in files:  # warm the page cache and the imports
        load(f)
    best_cpu = best_wall = None
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        for f in files:
            load(f)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    # The machine is shared: CPU time is the comparable figure, wall time is printed beside it.
    print("numpy %s: %d files, best of %d rounds: cpu %.3f s -> %.1f files/s (%.3f ms/file); wall %.3f s -> %.1f files/s"
          % (np.__version__, len(files), rounds, best_cpu, len(files) / best_cpu, 1e3 * best_cpu / len(files),
             best_wall, len(files) / best_wall))


if __name__ == "__main__":
    main()
