"""Exact H0 (the minimum spanning tree of tda_nn.homology) against scikit-learn, giotto-ph and ripser.py.

Rows (one run, medians of interleaved repeats; this machine is shared, so read the
ratios, which come from the same rounds):

1. ``persistence(X, maxdim=0)`` on n Gaussian points in 64-D against scikit-learn's
   single linkage (``mst_linkage_core``: Prim with distances on the fly, one thread),
   giotto-ph and ripser.py at maxdim 0 (both build the distance matrix; they run up
   to ``--engine-max`` points). Every engine's deaths are checked against ours.
   Targets (issue 27): at 20,000 x 64 at most 0.5x scikit-learn's time.
2. Peak memory (VmHWM of a fresh subprocess, reset before the call, minus the resident
   set before it) of ours and scikit-learn's at ``--memory-n`` points; target < 200 MiB
   at 20,000 x 64.
3. ``--big``: one run each of 100,000 x 256 (target < 2 min) and of an 8-D latent in
   16-D (``tanh(Z W)``) of ``--latent-n`` points (target for 10^6: < 15 min), each
   under 2 GiB, with the search ``persistence`` took (tiles or k-d tree).
4. ``persistence_batch`` on 2,000 clouds of 64 points in 8-D (maxdim 1) against a bare
   loop over giotto-ph's ``ripser_parallel`` (one thread): CPU seconds (process time),
   medians of interleaved repeats; target <= 1.05.
5. A device row (the tree's tiles on ``cuda``) when a GPU is present.

Run: PYTHONPATH=$PWD python benchmarks/bench_h0.py [--sizes 5000 10000 20000] [--repeat 3] [--big]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import tda_nn  # noqa: E402

_MEM = r"""
import json, sys
import numpy as np
n, d, who = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
X = np.random.default_rng(0).normal(size=(n, d))
import tda_nn
from sklearn.cluster._hierarchical_fast import mst_linkage_core
from sklearn.metrics import DistanceMetric
tda_nn.persistence(X[:200], maxdim=0); mst_linkage_core(X[:200], DistanceMetric.get_metric("euclidean"))


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))


# the peak of this run alone: ru_maxrss never goes down, so a peak from the imports above hid the run's
# own peak ("0 B"); Linux resets the high-water mark VmHWM on writing 5 to clear_refs
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
if who == "tda_nn":
    tda_nn.persistence(X, maxdim=0)
else:
    mst_linkage_core(X, DistanceMetric.get_metric("euclidean"))
print(json.dumps(status("VmHWM:") - before))
"""


def _engines(X: np.ndarray, with_matrix: bool) -> dict:
    from sklearn.cluster._hierarchical_fast import mst_linkage_core
    from sklearn.metrics import DistanceMetric

    fns = {
        "tda_nn": lambda: tda_nn.persistence(X, maxdim=0)[0][:-1, 1],
        "sklearn": lambda: np.sort(mst_linkage_core(X, DistanceMetric.get_metric("euclidean"))[:, 2]),
    }
    if with_matrix:
        import gph
        from ripser import ripser

        fns["giotto-ph"] = lambda: np.sort(gph.ripser_parallel(X, maxdim=0, n_threads=-1)["dgms"][0][:-1, 1])
        fns["ripser"] = lambda: np.sort(ripser(X, maxdim=0)["dgms"][0][:-1, 1])
    return fns


def speed(sizes: list[int], repeat: int, engine_max: int) -> None:
    print("exact H0 of n Gaussian points in 64-D: median seconds (interleaved), ratio tda_nn / engine")
    print(f"{'n':>7} {'tda_nn':>9} {'sklearn':>9} {'giotto-ph':>10} {'ripser':>9}  {'/sklearn':>9} {'/giotto':>8} "
          f"{'/ripser':>8}  max |death diff|")
    for n in sizes:
        X = np.random.default_rng(0).normal(size=(n, 64))
        X = X - X.mean(0)  # persistence centres; the engines see the same cloud
        fns = _engines(X, n <= engine_max)
        out = {k: f() for k, f in fns.items()}  # warm-up and the agreement check
        diff = max(float(np.abs(np.sort(v) - out["tda_nn"]).max()) for v in out.values())
        reps = repeat if n <= 10000 else 1
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(reps):
            for k, f in fns.items():
                t0 = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        cell = {k: f"{med[k]:.2f}" if k in med else "-" for k in ("tda_nn", "sklearn", "giotto-ph", "ripser")}
        ratio = {k: f"{med['tda_nn'] / med[k]:.2f}" if k in med else "-" for k in ("sklearn", "giotto-ph", "ripser")}
        print(f"{n:>7} {cell['tda_nn']:>9} {cell['sklearn']:>9} {cell['giotto-ph']:>10} {cell['ripser']:>9}  "
              f"{ratio['sklearn']:>9} {ratio['giotto-ph']:>8} {ratio['ripser']:>8}  {diff:.2e}", flush=True)


def memory(n: int) -> None:
    from tda_nn.budgets import estimate_mst, format_bytes

    peaks = {}
    for who in ("tda_nn", "sklearn"):
        out = subprocess.run([sys.executable, "-c", _MEM, str(n), "64", who], capture_output=True, text=True)
        peaks[who] = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else float("nan")
    def fmt(b: float) -> str:  # the peak above the resident set before the call; pages the heap reuses are free
        return "under 1 MiB" if b < 2**20 else format_bytes(b)

    print(f"peak memory at {n} x 64 above the memory already in use: tda_nn {fmt(peaks['tda_nn'])} (estimate "
          f"{format_bytes(estimate_mst(n, 64)[1])}), scikit-learn {fmt(peaks['sklearn'])}", flush=True)


def _vm(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))


def _one_big(what: str, X: np.ndarray) -> None:
    """One exact H0 of a large cloud: wall time, the search taken, and the peak memory above the cloud."""
    from tda_nn.budgets import estimate_mst, format_bytes

    try:  # Linux: reset the high-water mark, so the peak is this run's
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _vm("VmRSS:")
    except OSError:
        before = None
    t0 = time.perf_counter()
    dgm = tda_nn.persistence(X, maxdim=0)
    wall = time.perf_counter() - t0
    peak = "n/a" if before is None else format_bytes(_vm("VmHWM:") - before)
    print(f"{what}: {wall:.1f} s, peak memory above the cloud {peak} (estimate "
          f"{format_bytes(estimate_mst(*X.shape)[1])}); {dgm.meta['h0']}", flush=True)


def big(latent_n: int) -> None:
    rng = np.random.default_rng(0)
    _one_big("100,000 x 256 Gaussian", rng.normal(size=(100_000, 256)).astype(np.float32))
    Z = rng.normal(size=(latent_n, 8))
    _one_big(f"{latent_n:,} x 16 (8-D latent)", np.tanh(Z @ rng.normal(size=(8, 16))))


def batch(repeat: int) -> None:
    import gph

    clouds = np.random.default_rng(0).normal(size=(2000, 64, 8))
    fns = {"bare giotto-ph loop": lambda: [gph.ripser_parallel(c, maxdim=1, n_threads=1)["dgms"] for c in clouds],
           "persistence_batch": lambda: tda_nn.persistence_batch(clouds, maxdim=1, n_threads=1)}
    for f in fns.values():
        f()
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t0 = time.process_time()
            f()
            cpu[k].append(time.process_time() - t0)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    a, b = med["bare giotto-ph loop"], med["persistence_batch"]
    print(f"2,000 clouds of 64 points, maxdim 1: bare loop {a:.2f} s CPU, persistence_batch {b:.2f} s CPU, "
          f"ratio {b / a:.2f} (per round: {[round(y / x, 2) for x, y in zip(cpu['bare giotto-ph loop'], cpu['persistence_batch'])]})",
          flush=True)


def device() -> None:
    try:
        import torch
    except ImportError:
        return
    if not torch.cuda.is_available():
        print("device row: no GPU here", flush=True)
        return
    from tda_nn.homology import spanning_tree

    for n, d in ((100_000, 64), (1_000_000, 64)):
        X = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
        t0 = time.perf_counter()
        spanning_tree(X, device="cuda", dtype=np.float32)
        print(f"device {torch.cuda.get_device_name()}: {n:,} x {d}: {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine-max", type=int, default=10000)
    ap.add_argument("--memory-n", type=int, default=20000)
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--latent-n", type=int, default=200_000)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-batch", action="store_true")
    args = ap.parse_args()
    if not args.skip_speed:
        speed(args.sizes, args.repeat, args.engine_max)
        memory(args.memory_n)
    if not args.skip_batch:
        batch(args.repeat)
    if args.big:
        big(args.latent_n)
    device()


if __name__ == "__main__":
    main()
