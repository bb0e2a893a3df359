"""tda_nn.persistence (backend='auto') against the raw engines it wraps and the settings it chooses between.

Two groups of rows:

1. ``auto vs giotto-ph`` / ``auto vs ripser.py``: n = 500, 1000, 2000 Gaussian points in
   64-D, H0 + H1; medians of about ``repeat * 2000 / n`` interleaved runs; target <= 1.05
   (auto is never more than 5% slower than any installed engine).
2. ``auto vs best setting`` on the standard Ripser inputs (``/work/shared/data/ripser-benchmarks``:
   sphere_3_192 maxdim 2, o3_1024 maxdim 3 threshold 1.8, dragon2000 maxdim 1) and random
   clouds with maxdim 2: auto against the fastest of giotto-ph with edge collapse, giotto-ph
   without, and ripser.py: medians of ``repeat`` interleaved rounds (a variant slower than
   20 s runs once; the machine is shared, so read the ratios of one run). Target <= 1.10
   (issue 13).

(The landmark cut, ``exact_below``, against the full filtration: benchmarks/bench_cut.py.)

Run: python benchmarks/bench_homology.py [--sizes 500 1000 2000] [--repeat 3] [--skip-standard]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import interleaved_medians, print_table, row  # noqa: E402

import tda_nn  # noqa: E402

STANDARD = Path(os.environ.get("TDA_NN_RIPSER_BENCHMARKS", "/work/shared/data/ripser-benchmarks"))


def _lower_distance_matrix(path: Path) -> np.ndarray:
    rows = [r.strip().rstrip(",") for r in path.read_text().splitlines() if r.strip()]
    n = len(rows) + 1
    D = np.zeros((n, n))
    for i, r in enumerate(rows, start=1):
        v = np.array([float(x) for x in r.split(",") if x.strip()])
        D[i, : len(v)] = v
    return D + D.T


def _standard_jobs() -> list[tuple[str, np.ndarray, bool, int, float, bool]]:
    """(name, data, precomputed, maxdim, threshold, run ripser.py) for each standard job found."""
    rng = np.random.default_rng(0)
    jobs = []
    if (STANDARD / "sphere_3_192.ldm").exists():
        jobs.append(("sphere_3_192, maxdim 2", _lower_distance_matrix(STANDARD / "sphere_3_192.ldm"), True, 2,
                     np.inf, True))
    if (STANDARD / "o3_1024.txt").exists():
        jobs.append(("o3_1024, maxdim 3, thr 1.8", np.loadtxt(STANDARD / "o3_1024.txt"), False, 3, 1.8, True))
    if (STANDARD / "dragon2000.pts").exists():
        jobs.append(("dragon2000, maxdim 1", np.loadtxt(STANDARD / "dragon2000.pts"), False, 1, np.inf, True))
    jobs.append(("300 Gaussian in 4-D, maxdim 2", rng.normal(size=(300, 4)), False, 2, np.inf, True))
    # ripser.py took over 150 s here: left out
    jobs.append(("1000 uniform in 2-D, maxdim 2", rng.uniform(size=(1000, 2)), False, 2, np.inf, False))
    return jobs


def _rounds(fns: dict, repeat: int, slow: float = 20.0) -> tuple[dict, dict]:
    """Median wall and CPU seconds of each variant over ``repeat`` interleaved rounds.

    A variant slower than ``slow`` seconds in the first round runs only once (its
    ratio to the fastest is large either way, and the machine is shared).
    """
    import statistics

    wall: dict = {k: [] for k in fns}
    cpu: dict = {k: [] for k in fns}
    for i in range(repeat):
        for k, fn in fns.items():
            if i and wall[k][0] > slow:
                continue
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)
    return ({k: statistics.median(v) for k, v in wall.items()}, {k: statistics.median(v) for k, v in cpu.items()})


def run_standard(repeat: int = 3) -> list[dict]:
    import gph
    from ripser import ripser

    rows = []
    for name, X, pre, maxdim, thr, with_ripser in _standard_jobs():
        metric = "precomputed" if pre else "euclidean"
        got: dict = {}
        job = dict(X=X, maxdim=maxdim, thr=thr, metric=metric, pre=pre)
        fns = {
            "auto": lambda j=job, got=got: got.__setitem__("auto", tda_nn.persistence(
                j["X"], maxdim=j["maxdim"], threshold=j["thr"], metric=j["metric"])),
            "giotto-ph + collapse": lambda j=job: gph.ripser_parallel(
                j["X"], maxdim=j["maxdim"], thresh=j["thr"], metric=j["metric"], collapse_edges=True, n_threads=-1),
            "giotto-ph": lambda j=job: gph.ripser_parallel(
                j["X"], maxdim=j["maxdim"], thresh=j["thr"], metric=j["metric"], collapse_edges=False, n_threads=-1),
        }
        if with_ripser:
            fns["ripser.py"] = lambda j=job: ripser(j["X"], maxdim=j["maxdim"], thresh=j["thr"],
                                                   distance_matrix=j["pre"])
        t, cpu = _rounds(fns, repeat)
        best = min((k for k in t if k != "auto"), key=t.get)
        chose = got["auto"].meta
        print(f"{name}: " + ", ".join(f"{k} {v:.2f} s (cpu {cpu[k]:.2f})" for k, v in t.items()) +
              f"; auto ran {chose['backend']}, collapse {chose['collapse_edges']}", file=sys.stderr)
        rows.append(row("auto vs best engine setting", name, t["auto"], best, t[best], 1.10))
    return rows


def run(sizes=(500, 1000, 2000), repeat: int = 3, standard: bool = True) -> list[dict]:
    from ripser import ripser

    try:
        import gph
    except ImportError:  # pragma: no cover
        gph = None
    rows = []
    for n in sizes:
        X = np.random.default_rng(0).normal(size=(n, 64))
        backend = tda_nn.persistence(X[:10]).meta["backend"]
        fns = {"auto": lambda X=X: tda_nn.persistence(X, maxdim=1),
               "ripser": lambda X=X: ripser(X, maxdim=1)}
        if gph is not None:
            fns["gph"] = lambda X=X: gph.ripser_parallel(X, maxdim=1, n_threads=-1)
        # interleaved (auto, ripser, gph, auto, ...): the load on the shared machine
        # drifts, and back-to-back blocks of one engine charged the drift to it
        # (auto measured 1.65x giotto-ph at n=500 in blocks, with ~1 ms of its own
        # time per call in cProfile). Smaller sizes get more runs: about repeat * 2000 / n.
        t = interleaved_medians(fns, repeat * max(1, round(2000 / n)), warmup=0 if n >= 2000 else 1)
        size = f"{n} x 64, H0+H1"
        if gph is not None:
            rows.append(row("persistence auto vs giotto-ph", size, t["auto"], "gph.ripser_parallel", t["gph"], 1.05))
        # Issue 2 derived "1.8x faster than ripser.py at n=2000" from one measurement
        # (giotto-ph 2.2 s, ripser.py 4.2 s). On this machine now, quiet, raw giotto-ph
        # takes 5.7-6.7 s on 2 threads and 6.8-8.2 s on one, ripser.py 7.8 s: the engine
        # itself is 1.2-1.4x faster, so 1.8x is out of reach for any wrapper. What the
        # issue asks of tda_nn is "never slower than the fastest installed engine by
        # more than 5%", which is this target against every engine.
        rows.append(row("persistence auto vs ripser.py", size, t["auto"], "ripser.ripser", t["ripser"], 1.05))
        print(f"n={n}: auto ran {backend}", file=sys.stderr)
    if standard and gph is not None:
        rows.extend(run_standard(repeat))
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[500, 1000, 2000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-standard", action="store_true", help="skip the standard Ripser inputs (minutes)")
    a = p.parse_args()
    print_table(run(tuple(a.sizes), a.repeat, standard=not a.skip_standard))
