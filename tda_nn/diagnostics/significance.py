"""Which bars of a Vietoris-Rips diagram are signal: a p-value for every bar.

:func:`significant_bars` computes the Rips diagrams of a point cloud (on landmarks
when asked) and tests every bar.

**H1 and above, ``method='universal'`` (default).** The universal null of
Bobrowski and Skraba ("A universal null-distribution for topological data
analysis", Scientific Reports 13:12274, 2023). For a bar with multiplicative
persistence ``pi = death / birth``::

    l = A log(log(pi)) + B,        p = exp(-exp(l))

with ``A = 1`` for Rips filtrations (the paper's ``A = 1/2`` is for Čech, which
this package does not test) and ``B = -gamma - A * mean(log log pi)`` over the
bars of that dimension (``gamma`` = 0.5772..., Euler's constant). Under the null
(an iid sample of a density, no topology) ``l`` follows the left-skewed Gumbel
law, so ``p`` is uniform. The paper establishes it empirically for Rips and Čech
filtrations of iid samples in dimensions 2 to 4 and many distributions (and
real data); it is a statement about iid samples, which is why the landmark
choice matters (below).

*Few bars.* ``B`` is estimated from the bars themselves; with one bar
``l = -gamma`` whatever the bar and ``p = exp(-exp(-gamma)) = 0.57``, so a clean
loop with no noise bars beside it could never be significant. Below
``MIN_BARS = 30`` bars in a dimension, the mean is taken over the diagram's bars
**pooled with reference bars**: the bars of that dimension of Rips diagrams of
uniform clouds in the unit cube of dimension ``max(k + 1, floor(d))`` with the
same number of points (at most ``REFERENCE_POINTS``), drawn until the pool holds
30 bars (at most ``REFERENCE_CLOUDS`` clouds); ``d`` is the Levina-Bickel
dimension of the cloud at ``max(10, n / 50)`` neighbours. This rests on the
paper's *weak universality*: the law of ``log log pi`` of noise bars depends on
the filtration, the homology dimension and the dimension of the sample, not on
its distribution, so a uniform cloud of the data's own dimension stands in for
its missing noise bars. Rounding the dimension down errs on the conservative
side (lower-dimensional noise has longer bars). ``null_source[k]`` says which
estimate was used (``'diagram'`` or ``'diagram+reference'``).

**Multiple testing** within a dimension: ``correction='bonferroni'`` (default),
``'holm'`` or ``'bh'`` (:mod:`tda_nn.diagnostics._multitest`); the mask is
``adjusted p <= alpha`` and ``threshold[k]`` is the ratio ``death / birth`` a bar
must exceed, drawn from the cut-off p-value of the correction.

**H0** (components): Rips H0 bars are born at 0, so the ratio does not apply;
``method='universal'`` uses the runt-ratio test of
:func:`tda_nn.diagnostics.clusters.significant_clusters` (components of at least
``min_cluster_size`` points; outliers are never clusters); its p-values are
already family-wise adjusted, and ``threshold[0]`` is its critical ratio.

*Calibration, measured* (``benchmarks/calibration.py``, alpha = 0.05, Bonferroni):
no significant loop on any of 20 clouds in each of 17 null cells (Gaussian,
uniform, Student t3, ReLU features; 2 to 256 dimensions; 100 to 2,000 points;
iid, max-min and random landmarks), and power 20 of 20 on a clean circle of 60
points (few bars), a planar circle of 200 points with noise 0.2, a circle in 32-D
with noise 0.1 per coordinate (300 points, or 2,000 through 300 landmarks) and both
loops of two circles in 32-D. The law of the p-values is uniform in 2-D (share
below 0.05: 0.037 on 300 points, 0.047 on 1,000) and conservative in its tail in
more dimensions at these sizes (0.018 in 3-D on 600 points, 0.010 in 8-D on 150).
A torus of 400 points in 3-D is not found (its two loops have ``pi`` 3-4 among 110
bars; adjusted p 0.3-0.7).

**Landmarks.** The test is run on the cloud the diagrams are computed on.
``landmark_method='random'`` (an iid subsample) keeps the iid assumption of the
null; max-min landmarks are spread evenly. Both were calibrated and equally
powerful on the benchmark (above), so max-min stays the default: its covering
radius, hence the approximation error ``2 r``, is the smaller. The landmark bound ``2 r`` (Rips diagrams of a
cloud and of landmarks with covering radius ``r`` are within bottleneck distance
``2 r``: Chazal, de Silva, Oudot 2014) describes how far the landmark diagram may
be from the full cloud's; it is reported, never added to a threshold.

**``method='bootstrap'`` / ``'subsample'``**: the conservative confidence band of
Fasy et al. 2014 (see :func:`significant_bars`), a lifetime threshold ``2 c``.

All lengths are in the units of the cloud (Rips filtration value = edge length).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..diagrams import Diagrams
from ..validation import check_choice, check_distance_matrix, check_int, check_points, check_real
from . import _multitest

__all__ = ["MIN_BARS", "SignificantBars", "significant_bars", "universal_pvalues"]

Method = Literal["universal", "bootstrap", "subsample"]
_METHODS = ("universal", "bootstrap", "subsample")
_METRICS = ("euclidean", "cosine", "correlation", "precomputed")
_GAMMA = float(np.euler_gamma)
MIN_BARS = 30
"""Bars of one dimension below which the null's location is pooled with reference bars."""
REFERENCE_POINTS = 300
"""Largest reference cloud (points) drawn for the few-bars pool."""
REFERENCE_CLOUDS = 20
"""Most reference clouds drawn for the few-bars pool."""
MAX_BOOTSTRAP = 10_000
"""Most resamples of the band (its quantile's Monte Carlo error is then far below its bias)."""


@dataclass(frozen=True, eq=False)
class SignificantBars:
    """The bars of a Rips diagram that stand out of the noise, and why.

    Attributes
    ----------
    diagrams : Diagrams
        Only the significant bars, per homology dimension ``0..maxdim``.
    all_diagrams : Diagrams
        Every bar computed (on the landmarks when ``n_landmarks`` was given).
    mask : dict of int to ndarray of shape (n_bars_d,), bool
        ``mask[d][i]`` is True when row ``i`` of ``all_diagrams[d]`` is significant.
    pvalues : dict of int to ndarray of shape (n_bars_d,)
        Raw p-value of every row of ``all_diagrams[d]`` (``method='universal'``;
        empty dict otherwise). H0: the infinite bar has 0, bars that are no tested
        merge (a side below ``min_cluster_size`` points) have 1.
    adjusted : dict of int to ndarray of shape (n_bars_d,)
        p-values after ``correction`` (H0: already family-wise by the max statistic).
    threshold : dict of int to float
        ``method='universal'``: the ratio ``death / birth`` a bar must exceed (H0: the
        runt ratio of :mod:`.clusters`). Band methods: the lifetime ``2 * band[d]``.
    statistic : {'death/birth', 'lifetime'}
        What ``threshold`` bounds.
    band : dict of int to float
        Band methods: radius ``c`` of the ``(1 - alpha)`` bottleneck confidence ball.
    landmark_bound : float
        ``2 * covering radius`` of the landmarks (0.0 without landmarks): the
        bottleneck distance between the landmark and the full diagrams is at most
        this. Described, never added to ``threshold``.
    alpha : float
    method : {'universal', 'bootstrap', 'subsample'}
    correction : {'bonferroni', 'holm', 'bh'}
    n_points : int
    n_landmarks : int or None
    n_bootstrap : int
        Resamples behind the band (0 for ``'universal'``).
    null_location : dict of int to float
        ``B`` of the universal null per dimension >= 1.
    null_source : dict of int to str
        ``'diagram'`` or ``'diagram+reference'`` (few bars, see the module docstring).
    clusters : SignificantClusters or None
        The H0 test of ``method='universal'`` (members of every significant component).
    """

    diagrams: Diagrams
    all_diagrams: Diagrams
    mask: dict[int, np.ndarray]
    threshold: dict[int, float]
    band: dict[int, float]
    landmark_bound: float
    alpha: float
    method: str
    n_points: int
    n_landmarks: int | None = None
    n_bootstrap: int = 0
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    pvalues: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    adjusted: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    correction: str = "bonferroni"
    statistic: str = "lifetime"
    null_location: dict[int, float] = field(default_factory=dict)
    null_source: dict[int, str] = field(default_factory=dict)
    clusters: Any = field(default=None, repr=False)
    landmark_method: str | None = None

    def __post_init__(self) -> None:
        for arr in (*self.mask.values(), *self.pvalues.values(), *self.adjusted.values(), self.replicates):
            arr.setflags(write=False)

    @property
    def maxdim(self) -> int:
        return self.all_diagrams.maxdim

    def n_significant(self, dim: int) -> int:
        """Number of significant bars in homology dimension ``dim`` (0 above ``maxdim``)."""
        dim = check_int(dim, name="dim", min_value=0)
        return int(self.mask[dim].sum()) if dim in self.mask else 0

    def n_tests(self, dim: int) -> int:
        """Bars tested in dimension ``dim`` (H0: merges of two clusters of ``min_cluster_size``)."""
        dim = check_int(dim, name="dim", min_value=0)
        if dim == 0 and self.clusters is not None:
            return len(self.clusters.ratios)
        if dim in self.pvalues:
            return int(np.sum(self.pvalues[dim] < 1.0)) if dim == 0 else len(self.pvalues[dim])
        return len(self.mask.get(dim, ()))

    def min_pvalue(self, dim: int) -> float:
        """Smallest adjusted p-value of dimension ``dim`` among tested bars (NaN for band methods).

        H0 excludes the infinite bar (the whole cloud is not a test); 1.0 when nothing was tested.
        """
        dim = check_int(dim, name="dim", min_value=0)
        if dim not in self.adjusted:
            return float("nan")
        if dim == 0:
            return self.clusters.min_pvalue if self.clusters is not None else 1.0
        a = self.adjusted[dim]
        return float(a.min()) if len(a) else 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers (no diagrams): counts, thresholds, p-values, level."""
        dims = range(self.maxdim + 1)
        out = {
            "method": self.method,
            "correction": self.correction,
            "alpha": self.alpha,
            "statistic": self.statistic,
            "n_points": self.n_points,
            "n_landmarks": self.n_landmarks,
            "landmark_method": self.landmark_method,
            "n_bootstrap": self.n_bootstrap,
            "landmark_bound": self.landmark_bound,
            "n_significant": {str(d): self.n_significant(d) for d in dims},
            "n_tests": {str(d): self.n_tests(d) for d in dims},
            "threshold": {str(d): self.threshold[d] for d in dims},
            "band": {str(d): v for d, v in self.band.items()},
        }
        if self.method == "universal":
            out["min_pvalue"] = {str(d): self.min_pvalue(d) for d in dims}
            out["null_location"] = {str(d): v for d, v in self.null_location.items()}
            out["null_source"] = {str(d): v for d, v in self.null_source.items()}
        return out

    def __repr__(self) -> str:
        dims = range(self.maxdim + 1)
        counts = ", ".join(f"H{d}={self.n_significant(d)}" for d in dims)
        lm = f", landmark_bound={self.landmark_bound:.4g}" if self.n_landmarks is not None else ""
        if self.method == "universal":
            ps = ", ".join(f"H{d}={self.min_pvalue(d):.3g}" for d in dims)
            return (f"SignificantBars({counts}; min adjusted p {ps}; method='universal', "
                    f"correction={self.correction!r}, alpha={self.alpha:g}{lm})")
        thr = ", ".join(f"H{d}>{self.threshold[d]:.4g}" for d in dims)
        return f"SignificantBars({counts}; lifetime {thr}; method={self.method!r}, alpha={self.alpha:g}{lm})"


# -- the universal null ---------------------------------------------------------------
def _loglog(dgm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log log (death / birth)`` of the bars that have one, and which bars they are.

    A bar is testable when ``0 < birth < death < inf``; an infinite death (a
    thresholded filtration) gives ``+inf`` (p = 0).
    """
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    b, d = dgm[:, 0], dgm[:, 1]
    ok = (b > 0) & (d > b)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ll = np.log(np.log(d[ok] / b[ok]))
    return ll, ok


def universal_pvalues(dgm: Any, *, location: float | None = None) -> np.ndarray:
    """Universal-null p-values of the bars of one diagram (Bobrowski and Skraba 2023).

    ``p = exp(-exp(log log(death / birth) + B))`` with ``B = -gamma - mean(log log pi)``
    over the testable bars (``0 < birth < death``), or ``B = location`` when given.
    Untestable bars (birth 0, zero length) get 1.

    Parameters
    ----------
    dgm : array-like of shape (n_bars, 2)
    location : float or None
        ``B``; ``None`` estimates it from ``dgm``.

    Returns
    -------
    ndarray of shape (n_bars,)

    Examples
    --------
    >>> import numpy as np
    >>> p = universal_pvalues(np.array([[1.0, 1.1], [1.0, 1.2], [1.0, 5.0]]))
    >>> bool(p[2] < p[1] < p[0])
    True
    """
    arr = np.asarray(dgm, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"dgm must have shape (n_bars, 2), got {arr.shape}.")
    ll, ok = _loglog(arr)
    p = np.ones(len(arr))
    fin = np.isfinite(ll)
    if location is None:
        if not fin.any():
            return p
        location = -_GAMMA - float(ll[fin].mean())
    with np.errstate(over="ignore"):
        p[ok] = np.exp(-np.exp(ll + location))
    return p


def _ratio_threshold(p_cut: float, location: float) -> float:
    """The ``death / birth`` at which the universal p-value equals ``p_cut``."""
    l_star = math.log(-math.log(p_cut))
    with np.errstate(over="ignore"):
        return float(np.exp(np.exp(l_star - location)))


@functools.lru_cache(maxsize=32)
def _reference_loglog(n: int, dim: int, hdim: int, seed: int) -> np.ndarray:
    """``log log pi`` of the ``hdim`` bars of uniform clouds in ``[0, 1]^dim`` (pooled, cached)."""
    from ..homology import persistence

    out: list[np.ndarray] = []
    total = 0
    for ss in np.random.SeedSequence([seed, n, dim, hdim]).spawn(REFERENCE_CLOUDS):
        Y = np.random.default_rng(ss).uniform(size=(n, dim))
        ll, _ = _loglog(np.asarray(persistence(Y, maxdim=hdim)[hdim]))
        ll = ll[np.isfinite(ll)]
        out.append(ll)
        total += len(ll)
        if total >= MIN_BARS:
            break
    res = np.concatenate(out) if out else np.empty(0)
    res.setflags(write=False)
    return res


def _universal(dg: Diagrams, D: np.ndarray, *, maxdim: int, alpha: float, correction: str,
               min_cluster_size: int | None, labels: Any, seed: int) -> dict[str, Any]:
    from .clusters import _mle_dimension, default_min_size, significant_clusters

    n = D.shape[0]
    pvalues, adjusted, mask, threshold, loc, source = {}, {}, {}, {}, {}, {}
    dim_hat = None
    for k in range(1, maxdim + 1):
        bars = np.asarray(dg[k], dtype=np.float64).reshape(-1, 2)
        ll, ok = _loglog(bars)
        fin = ll[np.isfinite(ll)]
        pool, src = fin, "diagram"
        if len(fin) < MIN_BARS:
            if dim_hat is None:
                dim_hat = _mle_dimension(D, default_min_size(n))
            ref_dim = int(max(k + 1, math.floor(dim_hat)))
            ref = _reference_loglog(min(n, REFERENCE_POINTS), ref_dim, k, seed)
            pool, src = np.concatenate([fin, ref]), "diagram+reference"
        B = -_GAMMA - float(pool.mean()) if len(pool) else 0.0
        p = universal_pvalues(bars, location=B)
        tested = ok  # bars with 0 < birth < death
        adj = np.ones(len(bars))
        adj[tested] = _multitest.adjust(p[tested], correction)
        p_cut = _multitest.cutoff(p[tested], correction, alpha)
        pvalues[k], adjusted[k], loc[k], source[k] = p, adj, B, src
        mask[k] = adj <= alpha
        threshold[k] = _ratio_threshold(p_cut, B)
    clusters = significant_clusters(D, metric="precomputed", alpha=alpha, min_size=min_cluster_size,
                                    labels=labels, seed=seed)
    h0 = np.asarray(dg[0], dtype=np.float64).reshape(-1, 2)
    p0 = np.ones(len(h0))
    p0[~np.isfinite(h0[:, 1])] = 0.0
    free = np.isfinite(h0[:, 1])
    for h, pv in zip(clusters.heights, clusters.pvalues):
        cand = np.flatnonzero(free)
        if not len(cand):
            break
        j = cand[np.argmin(np.abs(h0[cand, 1] - h))]
        p0[j], free[j] = pv, False
    pvalues[0] = adjusted[0] = p0
    mask[0] = p0 <= alpha
    # H0's threshold: the runt ratio whose Gumbel p-value is alpha
    from .clusters import MIN_SCALE

    null = clusters.null_max
    beta = max(float(np.std(null, ddof=1)) * math.sqrt(6.0) / math.pi, MIN_SCALE)
    threshold[0] = float(np.exp(float(np.mean(null)) - _GAMMA * beta - beta * math.log(-math.log1p(-alpha))))
    return dict(pvalues=pvalues, adjusted=adjusted, mask=mask, threshold=threshold, loc=loc, source=source,
                clusters=clusters)


# -- the band -------------------------------------------------------------------------
def _hausdorff_to_resample(seed: np.random.SeedSequence, *, D: np.ndarray, size: int | None) -> float:
    """Hausdorff distance between the cloud and one resample of it.

    ``size=None``: the distinct points of an n-out-of-n draw with replacement;
    otherwise ``size`` points drawn without replacement. The resample is a subset,
    so the distance is ``max_x min_{y in resample} d(x, y)``.
    """
    rng = np.random.default_rng(seed)
    n = D.shape[0]
    kept = np.zeros(n, dtype=bool)
    kept[rng.integers(0, n, n) if size is None else rng.choice(n, size, replace=False)] = True
    if kept.all():
        return 0.0
    # points of the resample are at distance 0 from it: only the missing rows count
    return float(D[np.ix_(~kept, kept)].min(axis=1).max())


def _distance_matrix(P: np.ndarray, metric: str) -> np.ndarray:
    if metric == "precomputed":
        return P
    from ..clouds import pairwise_distances

    return pairwise_distances(P, metric=metric)


def _check_cloud(X: Any, metric: str) -> np.ndarray:
    if metric == "precomputed":
        D = check_distance_matrix(X, name="X")
        if not isinstance(D, np.ndarray):
            raise TypeError("significant_bars with metric='precomputed' needs a dense (n, n) matrix, "
                            "got a sparse matrix; pass D.toarray() with inf for absent edges.")
        if not np.isfinite(D).all():
            raise ValueError("X (a precomputed distance matrix) has infinite entries; the confidence band "
                             "needs every distance. Give a complete matrix.")
        P = D
    else:
        P = check_points(X, name="X", min_points=1).astype(np.float64, copy=False)
    if P.shape[0] < 3:
        raise ValueError(f"X must hold at least 3 points to tell signal from noise, got {P.shape[0]} "
                         f"(shape {P.shape}). Give more samples.")
    return P


# -- the public function -------------------------------------------------------------
def significant_bars(
    X: Any,
    *,
    maxdim: int = 1,
    alpha: float = 0.05,
    method: Method = "universal",
    correction: Literal["bonferroni", "holm", "bh"] = "bonferroni",
    n_bootstrap: int = 100,
    n_landmarks: int | None = None,
    landmark_method: Literal["maxmin", "random"] = "maxmin",
    metric: Literal["euclidean", "cosine", "correlation", "precomputed"] = "euclidean",
    min_cluster_size: int | None = None,
    labels: Any = None,
    seed: int | None = None,
    n_jobs: int | None = None,
) -> SignificantBars:
    """The bars of the Rips diagrams of ``X`` that are signal, with a p-value each.

    **method='universal'** (default): every bar of H1 and above gets the p-value of
    the universal null of Bobrowski and Skraba (2023), ``p = exp(-exp(l))`` with
    ``l = log log(death / birth) + B`` and ``B = -gamma - mean(log log(death / birth))``
    over the bars of its dimension (pooled with reference bars below ``MIN_BARS``
    bars, see the module docstring); the p-values of a dimension are corrected by
    ``correction`` and a bar is significant when its adjusted p-value is at most
    ``alpha``. H0: the components of at least ``min_cluster_size`` points that pass
    the runt-ratio test of :func:`tda_nn.diagnostics.clusters.significant_clusters`,
    plus the whole cloud's infinite bar.

    **method='bootstrap'** or **'subsample'**: the confidence band of Fasy, Lecci,
    Rinaldo, Wasserman, Balakrishnan, Singh ("Confidence sets for persistence
    diagrams", Annals of Statistics 42(6), 2014, Section 4.1). ``c_H`` is the
    ``(1 - alpha)`` quantile of the Hausdorff distance between the cloud and
    ``n_bootstrap`` resamples of it (the distinct points of an n-out-of-n draw
    with replacement, or ``n / log n`` points without, the paper's subsampling);
    the band is ``c = 2 c_H`` in every dimension and a bar is significant when its
    lifetime exceeds ``2 c``. Calibrated but conservative: the Hausdorff distance
    grows with ambient noise and dimension, so in dozens of noisy dimensions it
    finds almost nothing (measured in ``benchmarks/calibration.py``). It costs only
    distances (100 resamples of 800 points: about 0.1 s).

    Infinite bars (the whole cloud's component) are always significant. Everything
    is computed on the cloud the diagrams are computed on (the landmarks when
    ``n_landmarks`` is given); the landmark bound ``2 r`` is reported in
    ``landmark_bound`` as the approximation error of the diagram and is not added
    to any threshold. Resamples and reference clouds are seeded from ``seed``; the
    result does not depend on ``n_jobs``.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), or (n_points, n_points) if precomputed
        The point cloud (a torch tensor is converted), at least 3 points.
    maxdim : int, default=1
        Highest homology dimension.
    alpha : float, default=0.05
        Level, in (0, 1).
    method : {'universal', 'bootstrap', 'subsample'}, default='universal'
    correction : {'bonferroni', 'holm', 'bh'}, default='bonferroni'
        Multiple testing over the bars of one dimension (``'universal'`` only; H0's
        p-values are family-wise adjusted by the max statistic of its test).
    n_bootstrap : int, default=100
        Resamples behind the band's quantile (band methods); at most ``MAX_BOOTSTRAP``
        and, for the band methods, at least ``ceil(1 / alpha)`` so that the
        ``(1 - alpha)`` quantile is not the largest draw. Validated whatever the method.
    n_landmarks : int or None, default=None
        Compute everything on this many landmarks (seeded by ``seed``); ``None`` or
        ``>= n_points`` uses every point (``landmark_bound = 0``).
    landmark_method : {'maxmin', 'random'}, default='maxmin'
        Max-min (farthest point) landmarks, or an iid subsample.
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
        Cosine and correlation distances break the triangle inequality on which the
        band and the landmark bound rest; prefer euclidean distance on normalised rows.
    min_cluster_size : int or None, default=None
        Smallest component counted by the H0 test (``None``: ``max(10, ceil(n / 50))``).
    labels : array-like of shape (n_points,) or None
        Labels of the points of ``X`` (of the landmarks' rows when landmarks are used
        they are subset alike): each significant cluster carries its label counts.
    seed : int or None, default=None
        Seeds the landmarks, the resamples and the reference clouds.
    n_jobs : int or None, default=None
        Workers for the resamples (see :func:`tda_nn.parallel.pmap`).

    Returns
    -------
    SignificantBars

    Raises
    ------
    ValueError
        ``X`` with fewer than 3 points, NaN/inf, not 2-D, an invalid distance matrix;
        ``alpha`` outside (0, 1); ``n_bootstrap`` outside ``[1, 10000]`` (or below
        ``ceil(1 / alpha)`` for the band methods); ``n_landmarks < 3``; unknown choices.
    TypeError
        Non-numeric ``X``, non-integer counts.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 2 * np.pi, 200)
    >>> X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(200, 2))
    >>> res = significant_bars(X, seed=0)
    >>> res.n_significant(0), res.n_significant(1)
    (1, 1)
    >>> bool(res.min_pvalue(1) < 1e-3)
    True
    """
    from ..homology import persistence

    metric = check_choice(metric, name="metric", choices=_METRICS)
    method = check_choice(method, name="method", choices=_METHODS)
    correction = check_choice(correction, name="correction", choices=_multitest.CORRECTIONS)
    landmark_method = check_choice(landmark_method, name="landmark_method", choices=("maxmin", "random"))
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    alpha = check_real(alpha, name="alpha", min_value=0.0, strict=True)
    if not alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}. Use e.g. alpha=0.05.")
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=1, max_value=MAX_BOOTSTRAP)
    need = math.ceil(1.0 / alpha - 1e-9)
    if method != "universal" and n_bootstrap < need:
        raise ValueError(
            f"n_bootstrap must be at least ceil(1 / alpha) = {need} for method={method!r} at alpha={alpha:g}, "
            f"got {n_bootstrap}: with fewer resamples the {1 - alpha:.0%} quantile is the largest draw, "
            f"not an estimate. Use n_bootstrap=100 (or method='universal', which needs no resamples).")
    if min_cluster_size is not None:
        min_cluster_size = check_int(min_cluster_size, name="min_cluster_size", min_value=2)
    if seed is not None:
        seed = check_int(seed, name="seed", min_value=0)
    P = _check_cloud(X, metric)
    n = P.shape[0]
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.ndim != 1 or len(lab) != n:
            raise ValueError(f"labels must have shape ({n},) (one per point of X), got shape {lab.shape}.")
    bound, m, lm_method = 0.0, None, None
    if n_landmarks is not None:
        n_landmarks = check_int(n_landmarks, name="n_landmarks", min_value=3)
        if n_landmarks < n:
            from ..clouds import landmarks

            lm = landmarks(P, n_landmarks, method=landmark_method, metric=metric, seed=seed)
            P, bound, m, lm_method = lm.points, float(lm.bound), n_landmarks, landmark_method
            if lab is not None:
                lab = lab[np.asarray(lm.indices)]
    D = _distance_matrix(P, metric)  # once, for the diagram and the test
    dg = persistence(D, maxdim=maxdim, metric="precomputed")
    dg = Diagrams(list(dg)[: maxdim + 1], meta=dict(dg.meta, metric=metric))
    k = P.shape[0]
    dims = range(maxdim + 1)
    haus = np.empty(0)
    extra: dict[str, Any] = {}
    if method == "universal":
        u = _universal(dg, np.asarray(D, dtype=np.float64), maxdim=maxdim, alpha=alpha, correction=correction,
                       min_cluster_size=min_cluster_size, labels=lab, seed=0 if seed is None else seed)
        mask, threshold, band = u["mask"], u["threshold"], {}
        extra = dict(pvalues=u["pvalues"], adjusted=u["adjusted"], null_location=u["loc"],
                     null_source=u["source"], clusters=u["clusters"], statistic="death/birth")
        n_boot_used = 0
    else:
        from ..parallel import pmap

        size = None if method == "bootstrap" else min(k, max(3, int(round(k / np.log(k)))))
        seeds = np.random.SeedSequence(seed).spawn(n_bootstrap)
        haus = np.asarray(pmap(_hausdorff_to_resample, seeds, n_jobs=n_jobs, prefer="threads", D=D, size=size))
        c_h = float(np.quantile(haus, 1.0 - alpha, method="higher"))
        band = {d: 2.0 * c_h for d in dims}
        threshold = {d: 2.0 * band[d] for d in dims}
        mask = {d: np.asarray(dg.lifetimes(d) > threshold[d], dtype=bool) for d in dims}
        n_boot_used = n_bootstrap
    meta = dict(dg.meta, significance=method, alpha=alpha, n_bootstrap=n_boot_used)
    if method == "universal":
        meta["correction"] = correction
    if m is not None:
        meta.update(n_landmarks=m, bottleneck_bound=bound, covering_radius=bound / 2.0, landmark_method=lm_method)
    all_dg = dg.with_meta(**meta)
    kept = Diagrams([np.asarray(dg[d])[mask[d]] for d in dims], meta=meta)
    return SignificantBars(
        diagrams=kept, all_diagrams=all_dg, mask=mask, threshold=threshold, band=band,
        landmark_bound=bound, alpha=alpha, method=method, n_points=n, n_landmarks=m,
        n_bootstrap=n_boot_used, replicates=haus, correction=correction, landmark_method=lm_method, **extra,
    )
