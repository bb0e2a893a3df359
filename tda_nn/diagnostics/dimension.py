"""How many dimensions does a representation use?

* :func:`twonn` -- the TwoNN intrinsic dimension (Facco et al. 2017);
* :func:`ph_dimension` -- the persistent-homology dimension (Birdal et al. 2021).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validation import check_int, check_points, check_real, check_seed
from .similarity import _in_float_range, _samples

__all__ = ["ph_dimension", "twonn"]


# -- intrinsic dimension ----------------------------------------------------------
# ph_dimension refuses more work than this many elementary operations (about a minute)
_PH_DIM_WORK = 5e10

# a share of tied ratios above this marks a lattice or quantised values, where TwoNN's model does not hold
_TWONN_MAX_TIES = 0.5


def twonn(X: Any, *, fraction: float = 0.9) -> float:
    """Intrinsic dimension by the TwoNN estimator (Facco, d'Errico, Rodriguez, Laio 2017).

    "Estimating the intrinsic dimension of datasets by a minimal neighborhood
    information", Scientific Reports 7, 12140 (2017); used layer by layer by Ansuini
    et al., "Intrinsic dimension of data representations in deep neural networks"
    (NeurIPS 2019). Duplicate rows are dropped first (the estimate is that of the
    distinct points, so repeating a point changes nothing). For every distinct point,
    ``mu = r2 / r1``, the ratio of its second to its first nearest-neighbour distance.
    With ``mu`` sorted ascending and the empirical CDF ``F_i = i / N``, the dimension
    ``d`` is the least-squares slope through the origin of ``-log(1 - F)`` against
    ``log(mu)`` over the smallest ``fraction`` of the ratios (the largest ones are
    dominated by noise and density changes).

    Ties ``r2 = r1`` have probability 0 for a sample of a ``d``-dimensional density
    (``P(mu <= 1 + t) ~ d t``) but are the rule on a lattice (evenly spaced points:
    every interior point has two neighbours at the same distance) and for quantised
    values; there ``log(mu)`` is 0 up to rounding, and the slope through those
    rounding errors is any number at all (tens of thousands for 300 evenly spaced
    points of a line). So two distances closer than the input's rounding (64 units
    in the last place of its largest coordinate, in the input's own precision) count
    as tied and their ratio is dropped; when more than half the distinct points have
    tied ratios, the sample is not one the estimator's model describes and no
    estimate is given (``ValueError``). An estimate above the number of features by
    more than three of its standard errors (``d / sqrt(N)``) is impossible for
    points in that space and is refused the same way.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    fraction : float, default=0.9
        Share of the smallest ratios used in the fit, in (0, 1].

    Returns
    -------
    float
        The estimated intrinsic dimension.

    Raises
    ------
    ValueError
        Fewer than 3 samples, NaN/inf, ``fraction`` outside (0, 1], fewer than 3
        usable ratios after dropping duplicates and ties, more than half the ratios
        tied (a lattice), or an estimate impossible in ``n_features`` dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> plane = rng.uniform(size=(2000, 2)) @ rng.normal(size=(2, 10))
    >>> round(twonn(plane))
    2
    """
    fraction = check_real(fraction, name="fraction", min_value=0.0, strict=True)
    if fraction > 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
    raw = check_points(X, name="X", min_points=1)
    eps = float(np.finfo(raw.dtype).eps)  # the precision the coordinates were given in
    X = _in_float_range(_samples(raw, name="X", min_samples=3, what="TwoNN"))  # scale-free: far from 1, rescaled
    n_given = X.shape[0]
    X = np.unique(X, axis=0)  # duplicates: the estimate is that of the distinct points
    if X.shape[0] < 3:
        raise ValueError(f"X has only {X.shape[0]} distinct points of {n_given}; TwoNN needs at least 3. "
                         "Remove duplicate samples or add more.")
    from sklearn.neighbors import NearestNeighbors

    dist, _ = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(X)
    r1, r2 = dist[:, 1], dist[:, 2]  # column 0 is the point itself
    tol = 64.0 * eps * float(np.abs(X).max())  # distances closer than the coordinates' rounding are tied
    tied = r2 - r1 <= tol
    if tied.mean() > _TWONN_MAX_TIES:
        raise ValueError(
            f"{int(tied.sum())} of the {X.shape[0]} distinct points of X have their two nearest neighbours at "
            "the same distance (a lattice, evenly spaced or quantised values): TwoNN's ratios are undefined "
            "there, and TwoNN needs at least 3 points with distinct first and second neighbour distances "
            "that are not such ties. Estimate the dimension another way (e.g. ph_dimension or PCA).")
    mu = np.sort(r2[~tied] / r1[~tied])
    N = mu.size
    m = min(int(np.floor(fraction * N)), N - 1)  # the largest ratio has F = 1, -log(1 - F) = inf
    if m < 3:
        raise ValueError(
            f"X has only {N} points with distinct first and second neighbour distances "
            f"({max(m, 0)} usable with fraction={fraction}); TwoNN needs at least 3. Remove duplicate "
            "samples or add more."
        )
    x = np.log(mu[:m])
    y = -np.log1p(-np.arange(1, m + 1) / N)
    d = float(np.dot(x, y) / np.dot(x, x))
    n_features = X.shape[1]
    if d > n_features + 3.0 * d / np.sqrt(m):
        raise ValueError(
            f"the TwoNN estimate {d:.3g} exceeds the {n_features} features of X by more than three standard "
            f"errors ({d / np.sqrt(m):.2g} each, from {m} ratios): impossible for points in {n_features} "
            "dimensions, so the ratios are not those of a sample of a manifold (near-ties, a lattice). "
            "Estimate the dimension another way (e.g. ph_dimension or PCA).")
    return d


def _mst_lengths(X: np.ndarray) -> np.ndarray:
    """Edge lengths of a Euclidean minimum spanning tree (Prim, dense; zero lengths kept).

    These are exactly the finite H0 lifetimes of the Rips filtration of ``X``.
    """
    from scipy.spatial.distance import pdist, squareform

    D = squareform(pdist(X))
    n = D.shape[0]
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = D[0].copy()
    best[0] = np.inf
    lengths = np.empty(n - 1)
    for k in range(n - 1):
        j = int(np.argmin(best))
        lengths[k] = best[j]
        in_tree[j] = True
        best = np.where(in_tree, np.inf, np.minimum(best, D[j]))
    return lengths


def ph_dimension(
    X: Any,
    *,
    n_min: int | None = None,
    n_max: int | None = None,
    n_steps: int = 10,
    n_repeats: int = 3,
    alpha: float = 1.0,
    seed: int | None = 0,
) -> float:
    """Persistent-homology dimension (Birdal, Lou, Simsekli, Zhu, NeurIPS 2021).

    "Intrinsic dimension, persistent homology and generalization in neural
    networks". For ``n`` random points of ``X`` let
    ``E_alpha(n) = sum of (finite H0 lifetime)**alpha`` of their Rips filtration,
    i.e. of the edge lengths of their Euclidean minimum spanning tree. For points
    sampled from a ``d``-dimensional set, ``E_alpha(n) ~ n**((d - alpha) / d)``, so
    with ``m`` the least-squares slope of ``log E_alpha`` against ``log n`` over a
    range of ``n``, the dimension is ``alpha / (1 - m)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_min, n_max : int or None
        Smallest and largest sample sizes; defaults ``n_max = min(n_samples, 1000)``
        and ``n_min = max(10, n_max // 5)``.
    n_steps : int, default=10
        Number of sample sizes, evenly spaced from ``n_min`` to ``n_max``.
    n_repeats : int, default=3
        Random subsets averaged at each size.
    alpha : float, default=1.0
        Exponent of the lifetimes, > 0.
    seed : int or None, default=0

    Returns
    -------
    float
        The estimated dimension.

    Raises
    ------
    ValueError
        Bad sizes (``n_min >= n_max``, ``n_max > n_samples``), NaN/inf, fewer than
        10 samples, or a slope >= 1 (the points do not fill any dimension, e.g. all
        identical).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).uniform(size=(1000, 2))
    >>> round(ph_dimension(X))
    2
    """
    X = _in_float_range(_samples(X, name="X", min_samples=10, what="the PH dimension"))  # scale-free
    n = X.shape[0]
    n_max = min(n, 1000) if n_max is None else check_int(n_max, name="n_max", min_value=3)
    if n_max > n:
        raise ValueError(f"n_max must be <= the number of samples ({n}), got {n_max}.")
    n_min = max(10, n_max // 5) if n_min is None else check_int(n_min, name="n_min", min_value=2)
    if n_min >= n_max:
        raise ValueError(f"n_min must be smaller than n_max, got n_min={n_min} and n_max={n_max}.")
    # more steps than sample sizes between n_min and n_max repeat sizes: capped before linspace allocates
    n_steps = check_int(n_steps, name="n_steps", min_value=2, max_value=n_max - n_min + 1)
    n_repeats = check_int(n_repeats, name="n_repeats", min_value=1)
    alpha = check_real(alpha, name="alpha", min_value=0.0, strict=True)
    rng = np.random.default_rng(check_seed(seed, name="seed"))
    # the work: n_repeats minimum spanning trees per size, each about size**2 * dim operations
    per_repeat = float(np.sum(np.unique(np.linspace(n_min, n_max, n_steps).astype(int)).astype(float) ** 2)) * X.shape[1]
    if n_repeats * per_repeat > _PH_DIM_WORK:
        fits = max(1, int(_PH_DIM_WORK // per_repeat))
        raise ValueError(
            f"n_repeats={n_repeats} asks for about {n_repeats * per_repeat:.2g} operations (minutes to years); "
            f"n_repeats <= {fits} fits in about a minute at these sizes (n_min={n_min}, n_max={n_max}, "
            f"n_steps={n_steps})."
        )
    sizes = np.unique(np.linspace(n_min, n_max, n_steps).astype(int))
    if sizes.size < 2:
        raise ValueError(f"n_min={n_min} and n_max={n_max} give fewer than 2 distinct sample sizes.")
    E = np.empty(sizes.size)
    for i, size in enumerate(sizes):
        E[i] = np.mean([
            np.sum(_mst_lengths(X[rng.choice(n, size=size, replace=False)]) ** alpha) for _ in range(n_repeats)
        ])
    if np.any(E <= 0):
        raise ValueError("X has (almost) all points identical: the minimum spanning trees have length 0.")
    m = float(np.polyfit(np.log(sizes), np.log(E), 1)[0])
    if m >= 1:
        raise ValueError(f"the fitted slope of log E against log n is {m:.3g} >= 1 (alpha={alpha:.3g}); X does not "
                         "look like a sample of a finite-dimensional set, or alpha is so small that every edge "
                         "length**alpha rounds to 1 (use alpha near 1).")
    return alpha / (1.0 - m)
