"""tda_nn.persistence (backend='auto') against the raw engines it wraps.

For n = 500, 1000, 2000 Gaussian points in 64-D, H0 + H1: the median of
``repeat`` runs of tda_nn.persistence, raw ``ripser.ripser`` and raw
``gph.ripser_parallel`` (all cores) on the same data. Ratios are tda_nn over
the raw engine that auto called (target <= 1.05) and over ripser.py.

Run: python benchmarks/bench_homology.py [--sizes 500 1000 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import median_time, print_table, row  # noqa: E402

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
        t_auto = median_time(lambda X=X: tda_nn.persistence(X, maxdim=1), repeat)
        t_rip = median_time(lambda X=X: ripser(X, maxdim=1), repeat)
        size = f"{n} x 64, H0+H1"
        if gph is not None:
            t_gph = median_time(lambda X=X: gph.ripser_parallel(X, maxdim=1, n_threads=-1), repeat)
            rows.append(row("persistence auto vs giotto-ph", size, t_auto, "gph.ripser_parallel", t_gph, 1.05))
        rows.append(row("persistence auto vs ripser.py", size, t_auto, "ripser.ripser", t_rip,
                        1 / 1.8 if gph is not None and n >= 2000 else 1.05))
        print(f"n={n}: auto ran {backend}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    print_table(run(tuple(a.sizes), a.repeat))
