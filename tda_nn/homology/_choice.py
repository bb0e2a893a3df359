"""``collapse_edges='auto'``: edge collapse only where it was measured to pay.

Edge collapse (Boissonnat and Pritam) shrinks the flag complex before the
reduction; giotto-ph runs gudhi's collapser on every edge up to the threshold
(the enclosing radius ``min_i max_j d(i, j)`` when none is given, beyond which
the complex is a cone). It pays when it removes many edges; it cannot when the
filtration runs to nearly the diameter (a sphere: every point has an antipode,
so the enclosing radius is about the diameter and the complex is complete).

Measured here (giotto-ph on 2 shared cores, seconds; medians of 3 interleaved
runs, CPU seconds where the load made wall times meaningless; ``reach`` =
min(threshold, enclosing radius) / diameter)::

    job                                        reach  collapse   none    ripser.py
    sphere_3_192 (maxdim 2, full)               0.99    3.61     1.49     4.27   (wall, one run)
    300 noisy 2-sphere in 3-D (maxdim 2)        0.90    5.49     5.08       -    (cpu)
    500 noisy 2-sphere in 3-D (issue 13)        0.84  212       40.5        -
    300 Gaussian in 4-D (maxdim 2)              0.63    0.31     0.60       -    (cpu)
    400 Gaussian in 3-D (maxdim 2)               -      0.45     1.30       -    (cpu)
    400 uniform in the 3-D cube (maxdim 2)      0.55    0.32     1.09       -    (cpu)
    300 Gaussian in 6-D (maxdim 2)              0.57    0.74     0.65       -    (cpu)
    200 Gaussian in 10-D (maxdim 2)             0.59    0.15     0.15       -    (cpu)
    1000 uniform in the square (maxdim 2)       0.53    6.31    13.2     > 150   (wall)
    o3_1024 (maxdim 2, threshold 1.8)           0.52    5.79     8.43     4.93   (wall, one run)
    o3_1024 (maxdim 3, threshold 1.8)           0.52    1.11     7.11     6.35   (wall)
    dragon2000 (maxdim 1, full)                 0.54   68.6      4.49     5.44   (wall)

The rule: never for maxdim <= 1 (dragon2000: 15x slower with it); always for
maxdim >= 3 (tetrahedra explode without it); for maxdim 2, collapse unless the
reach exceeds 0.8. Single wall-clock runs on this machine varied 2-5x with the
load (300 Gaussian in 4-D once read 3.7 s with collapse against 2.1 s without),
so the rule follows the repeated and CPU measurements. ripser.py was fastest only
on o3_1024 at maxdim 2 (one run, within 20% of giotto-ph with collapse); the
engine choice stays giotto-ph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["choose_collapse", "enclosing_radius_bound", "scales"]

# maxdim 2: no collapse when the filtration runs to nearly the diameter
_MAX_REACH = 0.8


def scales(data: Any, precomputed: bool, n_rows: int = 64) -> tuple[float, float]:
    """``(enclosing radius upper bound, diameter lower bound)`` of points or a dense distance matrix.

    Exact for a dense matrix. For points (euclidean), both come from the distances of
    ``n_rows`` random rows and the row nearest the centroid (usually near the
    minimiser of ``max_j d(i, j)``) to every point.
    """
    if precomputed:
        D = np.where(np.isfinite(data), data, -np.inf)
        far = D.max(axis=1)
        return float(far.min()), float(far.max())
    rng = np.random.default_rng(0)
    rows = rng.choice(data.shape[0], size=min(n_rows, data.shape[0]), replace=False)
    centre = int(np.argmin(((data - data.mean(axis=0)) ** 2).sum(axis=1)))
    far = [float(np.sqrt(((data - data[i]) ** 2).sum(axis=1)).max()) for i in np.append(rows, centre)]
    return min(far), max(far)


def enclosing_radius_bound(data: Any, precomputed: bool) -> float:
    """An upper bound on the enclosing radius ``min_i max_j d(i, j)``: beyond it every bar of dimension >= 1 is dead."""
    return scales(data, precomputed)[0]


def choose_collapse(data: Any, *, maxdim: int, threshold: float, precomputed: bool, metric: str) -> bool:
    """Whether to collapse edges before the reduction (the rule and its measurements are above)."""
    import scipy.sparse as sp

    if maxdim <= 1:
        return False
    if maxdim >= 3:
        return True
    if sp.issparse(data) or (not precomputed and metric != "euclidean"):
        return True  # no cheap way to measure the reach: the old default, which pays on most clouds
    enc, diam = scales(data, precomputed)
    return min(threshold, enc) <= _MAX_REACH * diam
