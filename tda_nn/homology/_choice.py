"""``collapse_edges='auto'``: edge collapse only where it was measured to pay.

Edge collapse (Boissonnat and Pritam) shrinks the flag complex before the
reduction; giotto-ph runs gudhi's collapser on every edge up to the threshold
(the enclosing radius when none is given). Its cost grows with the number of
edges times their neighbourhoods, and falls with the dimension of the cloud
(few dominated edges in high dimension); the reduction it saves grows with the
number of simplices of dimension ``maxdim + 1``.

Measured here (giotto-ph 2 threads, seconds; collapse / no collapse / ripser.py;
``deg`` = n x the fraction of pairs within the threshold, the enclosing radius for
full Rips; one run on a shared 2-core machine)::

    job                                     deg   collapse  none    ripser.py
    sphere_3_192 (4-D, maxdim 2, full)      187     2.29    1.41      2.51
    200 Gaussian in 10-D (maxdim 2, full)   164     1.18    1.03      1.81
    300 Gaussian in 4-D (maxdim 2, full)    280     3.67    2.12      7.45
    300 noisy 2-sphere in 3-D (maxdim 2)    279     5.10    2.48      6.02
    500 noisy 2-sphere in 3-D (issue 13)    432   212     40.5         -
    400 uniform in the 3-D cube (maxdim 2)  296     1.34    1.50      7.21
    1000 uniform in the square (maxdim 2)   733     6.31   13.2     > 150
    dragon2000 (3-D, maxdim 1, full)       1389    27.2     2.84      4.44
    o3_1024 (9-D, maxdim 3, thr 1.8)         65   (issue 13: collapse 8x faster)

So: never for maxdim <= 1; always for maxdim >= 3 (the number of tetrahedra
explodes without it); for maxdim 2 only on low-dimensional clouds (at most 3
coordinates) whose complex is large and not nearly complete (``deg >= 500`` and
at most 80% of the pairs within the threshold: the noisy sphere, whose enclosing
radius is nearly its diameter, has 86-93% and lost 2-5x with collapse). A
distance matrix gives no dimension: no collapse at maxdim 2. ripser.py never won
on this machine (giotto-ph uses both cores), so the engine choice stays giotto-ph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["choose_collapse", "enclosing_radius_bound"]

_MIN_DEG = 500  # maxdim 2: collapse pays from about this many neighbours per vertex
_MAX_FRACTION = 0.8  # ... unless nearly every pair is an edge
_MAX_FEATURES = 3  # ... and only for clouds of at most this many coordinates


def enclosing_radius_bound(data: Any, precomputed: bool, n_rows: int = 64) -> float:
    """An upper bound on the enclosing radius ``min_i max_j d(i, j)`` (exact for a dense matrix).

    Beyond it the Rips complex is a cone: every bar of dimension >= 1 is dead.
    For points, the minimum is taken over ``n_rows`` random rows and the row nearest
    the centroid (euclidean).
    """
    if precomputed:
        D = np.where(np.isfinite(data), data, -np.inf)
        return float(D.max(axis=1).min())
    rng = np.random.default_rng(0)
    rows = rng.choice(data.shape[0], size=min(n_rows, data.shape[0]), replace=False)
    # the point nearest the centroid is usually near the minimiser
    centre = int(np.argmin(((data - data.mean(axis=0)) ** 2).sum(axis=1)))
    rows = np.append(rows, centre)
    far = [float(np.sqrt(((data - data[i]) ** 2).sum(axis=1)).max()) for i in rows]
    return min(far)


def _fraction_within(data: Any, threshold: float, precomputed: bool, n_pairs: int = 20000) -> float:
    n = data.shape[0]
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, n, n_pairs), rng.integers(0, n, n_pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    d = data[i, j] if precomputed else np.sqrt(((data[i] - data[j]) ** 2).sum(axis=1))
    return float(np.mean(d <= threshold)) if len(d) else 1.0


def choose_collapse(data: Any, *, maxdim: int, threshold: float, precomputed: bool, metric: str) -> bool:
    """Whether to collapse edges before the reduction (the rule and its measurements are above)."""
    import scipy.sparse as sp

    if maxdim <= 1:
        return False
    if maxdim >= 3:
        return True
    if precomputed or sp.issparse(data) or metric != "euclidean" or data.shape[1] > _MAX_FEATURES:
        return False
    n = data.shape[0]
    if n < _MIN_DEG:
        return False
    T = min(threshold, enclosing_radius_bound(data, precomputed))
    frac = _fraction_within(data, T, precomputed)
    return n * frac >= _MIN_DEG and frac <= _MAX_FRACTION
