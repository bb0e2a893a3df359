"""tda_nn.persistence (backend='auto') against the raw engines it wraps.

For n = 500, 1000, 2000 Gaussian points in 64-D, H0 + H1: the median of
about ``repeat * 2000 / n`` runs of tda_nn.persistence, raw ``ripser.ripser`` and raw
``gph.ripser_parallel`` (all cores) on the same data, run in turn so that the
shared machine's drifting load hits all three alike. Ratios are tda_nn over
the raw engine that auto called and over ripser.py (target <= 1.05 for both:
auto is never more than 5% slower than any installed engine).

Run: python benchmarks/bench_homology.py [--sizes 500 1000 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import interleaved_medians, print_table, row  # noqa: E402

import tda_nn  # noqa: E402


def run(sizes=(500, 1000, 2000), repeat: int = 3) -> list[dict]:
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
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    print_table(run(tuple(a.sizes), a.repeat))
