"""Max-min landmarks against gudhi, and the whole large-cloud path to H0/H1.

On 100,000 x 256 float32 Gaussian points (the worst case for any pruning: all
distances concentrate), with the median of ``repeat`` runs:

1. ``tda_nn.landmarks(X, 1000)`` against ``gudhi.subsampling.choose_n_farthest_points``
   from the same start point (target: ratio <= 1, at least on par);
2. the whole path ``tda_nn.persistence(X, n_landmarks=1000)`` (max-min landmarks,
   then H0/H1 Rips on them) against gudhi's landmarks followed by giotto-ph's
   ``ripser_parallel`` on all cores (target ratio <= 1);
3. the same whole path against the 15 s budget of the issue (ratio = time / 15 s).

Run: python benchmarks/bench_clouds.py [--n 100000] [--dim 256] [--m 1000] [--repeat 3] [--peer-repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import median_time, print_table, row  # noqa: E402

BUDGET_S = 15.0


def run(n: int = 100_000, dim: int = 256, m: int = 1000, repeat: int = 3, peer_repeat: int = 3) -> list[dict]:
    import gudhi.subsampling as gs

    import tda_nn

    X = np.random.default_rng(0).standard_normal((n, dim), dtype=np.float32)
    size = f"{n}x{dim} f32 -> {m}"
    # warm imports and thread pools outside the timings
    tda_nn.persistence(tda_nn.landmarks(X[:200], 50).points, maxdim=1)
    gs.choose_n_farthest_points(points=X[:200], nb_points=50, starting_point=0)

    ours_lm = median_time(lambda: tda_nn.landmarks(X, m, start=0), repeat=repeat)
    L = tda_nn.landmarks(X, m, start=0)
    gudhi_pts: list = []

    def peer_landmarks():
        gudhi_pts[:] = [gs.choose_n_farthest_points(points=X, nb_points=m, starting_point=0)]

    peer_lm = median_time(peer_landmarks, repeat=peer_repeat)

    dg: list = []
    ours_path = median_time(lambda: dg.append(tda_nn.persistence(X, maxdim=1, n_landmarks=m)), repeat=repeat)
    try:
        import gph

        P = np.asarray(gudhi_pts[0], dtype=np.float64)
        t0 = time.perf_counter()
        gph.ripser_parallel(P, maxdim=1, n_threads=-1)
        peer_path, peer_name = peer_lm + (time.perf_counter() - t0), "gudhi landmarks + gph"
    except ImportError:  # pragma: no cover - giotto-ph is an extra
        from ripser import ripser

        P = np.asarray(gudhi_pts[0], dtype=np.float64)
        t0 = time.perf_counter()
        ripser(P, maxdim=1)
        peer_path, peer_name = peer_lm + (time.perf_counter() - t0), "gudhi landmarks + ripser"

    meta = dg[-1].meta
    print(
        f"covering radius of {m} max-min landmarks: {L.radius:.4f} (persistence meta: "
        f"{meta.get('covering_radius')!r}; bottleneck bound 2r = {2 * L.radius:.4f}); "
        f"H1 bars: {len(dg[-1][1])}"
    )
    return [
        row("max-min landmarks", size, ours_lm, "gudhi choose_n_farthest", peer_lm, 1.0),
        row("landmarks + H0/H1", size, ours_path, peer_name, peer_path, 1.0),
        row("landmarks + H0/H1 vs budget", size, ours_path, f"budget {BUDGET_S:g} s", BUDGET_S, 1.0),
    ]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--m", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--peer-repeat", type=int, default=3)
    a = p.parse_args(argv)
    print_table(run(a.n, a.dim, a.m, a.repeat, a.peer_repeat))


if __name__ == "__main__":
    main()
