"""Which bars of a Vietoris-Rips diagram are signal: a confidence band and the landmark bound.

:func:`significant_bars` computes the Rips diagrams of a point cloud (on landmarks
when asked) and keeps the bars whose lifetime exceeds a threshold made of two parts:

* a **confidence band** for the diagram (Fasy, Lecci, Rinaldo, Wasserman,
  Balakrishnan, Singh, "Confidence sets for persistence diagrams", Annals of
  Statistics 42(6), 2014), and
* the **landmark bound**: Rips diagrams of a cloud and of landmarks with covering
  radius ``r`` are within bottleneck distance ``2 r`` of each other (Chazal, de
  Silva, Oudot 2014), so a bar shorter than ``2 * 2r`` may be an artefact of the
  approximation.

All lengths are in the units of the cloud (Rips filtration value = edge length).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..diagrams import Diagrams
from ..validation import check_choice, check_distance_matrix, check_int, check_points, check_real

__all__ = ["SignificantBars", "significant_bars"]

Method = Literal["bootstrap", "subsample"]
_METHODS = ("bootstrap", "subsample")
_METRICS = ("euclidean", "cosine", "correlation", "precomputed")


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
    threshold : dict of int to float
        The lifetime (death - birth) a bar of dimension ``d`` must exceed:
        ``2 * max(band[d], landmark_bound)``.
    band : dict of int to float
        Radius ``c`` of the ``(1 - alpha)`` bottleneck confidence ball around the
        diagram; a bar is outside it when its distance to the diagonal,
        ``lifetime / 2``, exceeds ``c``.
    landmark_bound : float
        ``2 * covering radius`` of the landmarks (0.0 without landmarks): the
        bottleneck distance between the landmark and the full diagrams is at most this.
    alpha : float
        Level: the band covers with probability about ``1 - alpha``.
    method : {'bootstrap', 'subsample'}
    n_points : int
        Points in the input cloud.
    n_landmarks : int or None
        Points the diagrams were computed on, when landmarks were used.
    n_bootstrap : int
        Resamples behind the band.
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

    def __post_init__(self) -> None:
        for arr in (*self.mask.values(), self.replicates):
            arr.setflags(write=False)

    @property
    def maxdim(self) -> int:
        return self.all_diagrams.maxdim

    def n_significant(self, dim: int) -> int:
        """Number of significant bars in homology dimension ``dim`` (0 above ``maxdim``)."""
        dim = check_int(dim, name="dim", min_value=0)
        return int(self.mask[dim].sum()) if dim in self.mask else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers (no diagrams): counts, thresholds, bands, bound, level."""
        dims = range(self.maxdim + 1)
        return {
            "method": self.method,
            "alpha": self.alpha,
            "n_points": self.n_points,
            "n_landmarks": self.n_landmarks,
            "n_bootstrap": self.n_bootstrap,
            "landmark_bound": self.landmark_bound,
            "n_significant": {str(d): self.n_significant(d) for d in dims},
            "threshold": {str(d): self.threshold[d] for d in dims},
            "band": {str(d): self.band[d] for d in dims},
        }

    def __repr__(self) -> str:
        dims = range(self.maxdim + 1)
        counts = ", ".join(f"H{d}={self.n_significant(d)}" for d in dims)
        thr = ", ".join(f"H{d}>{self.threshold[d]:.4g}" for d in dims)
        lm = f", landmark_bound={self.landmark_bound:.4g}" if self.n_landmarks is not None else ""
        return f"SignificantBars({counts}; lifetime {thr}; method={self.method!r}, alpha={self.alpha:g}{lm})"


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
    method: Method = "bootstrap",
    n_bootstrap: int = 100,
    n_landmarks: int | None = None,
    metric: Literal["euclidean", "cosine", "correlation", "precomputed"] = "euclidean",
    seed: int | None = None,
    n_jobs: int | None = None,
) -> SignificantBars:
    """The bars of the Rips diagrams of ``X`` that lie outside a confidence band.

    A bar is **significant** when its lifetime exceeds both ``2 c`` (it lies outside
    the ``(1 - alpha)`` bottleneck confidence ball of radius ``c`` around the
    diagram: its distance to the diagonal is ``lifetime / 2``) and ``2 * (2 r)``
    (it survives the landmark approximation, whose bottleneck error is at most
    ``2 r``)::

        threshold[d] = 2 * max(band[d], landmark_bound)

    Infinite bars (the one connected component of H0) are always significant.

    **The band** (Fasy et al. 2014, Section 4.1, "subsampling"). For a sample ``X``
    of a distribution supported on ``M``, Rips diagrams are stable:
    ``d_B(Dgm(X), Dgm(M)) <= 2 d_GH(X, M) <= 2 d_H(X, M)`` (edge-length filtration),
    so a ``(1 - alpha)`` upper bound ``c_H`` on the Hausdorff distance ``d_H(X, M)``
    gives the band ``c = 2 c_H`` in every dimension. ``c_H`` is the ``(1 - alpha)``
    quantile of the Hausdorff distance between ``X`` and resamples of ``X``:

    * ``method='subsample'``: ``b = n / log n`` points without replacement, the
      paper's subsampling method. Its coverage is asymptotically at least
      ``1 - alpha`` for noiseless samples with ``b = o(n / log n)``; in practice it
      is very conservative (on 200 points of a noisy circle it can swallow the loop).
    * ``method='bootstrap'`` (default): the distinct points of an n-out-of-n draw
      with replacement (about ``0.63 n`` of them). The paper's theorem does not
      cover this size; the band estimates the Hausdorff distance at the resolution
      of ``0.63 n`` points, larger than the sample's own, so it errs on the side of
      coverage. Measured here (tests/test_significance.py, alpha = 0.05, 30 clouds
      each): no H1 bar was significant on any Gaussian cloud of 500 points in 32-D,
      and the loop of a noisy circle of 200 points was significant on every one.

    We use the Hausdorff subsampling method, not the bootstrap of the bottleneck
    distance between diagrams, because of H0. Every finite H0 bar ``(0, e)`` of a
    Rips diagram dies at an edge of the minimum spanning tree; when the support is
    connected, ``e <= 2 d_H(X, M)``, so the band ``2 c_H`` swamps every sampling gap
    and a connected cloud has exactly one significant component (measured: 20 of 20
    noisy rings of 200 points). The bootstrap of the bottleneck distance between
    diagrams carries no such bound for H0, and costs one Rips computation per
    resample; this band costs only distances (100 resamples of 800 landmarks:
    0.12 s, against 2.5 s for their Rips diagram). The price is power: the
    Hausdorff distance grows with ambient noise and dimension, so the band is wide
    for noisy or high-dimensional clouds (the loop of a unit circle with noise 0.1
    per coordinate was found on 14 of 20 samples of 200 points, against 20 of 20
    with noise 0.05); a bar it counts is real.

    The band is computed on the cloud the diagrams are computed on (the landmarks
    when ``n_landmarks`` is given), with every resample seeded from ``seed`` and
    run through :func:`tda_nn.parallel.pmap`: the result does not depend on
    ``n_jobs``.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), or (n_points, n_points) if precomputed
        The point cloud (a torch tensor is converted), at least 3 points.
    maxdim : int, default=1
        Highest homology dimension.
    alpha : float, default=0.05
        Level, in (0, 1).
    method : {'bootstrap', 'subsample'}, default='bootstrap'
    n_bootstrap : int, default=100
        Resamples behind the quantile; at least ``ceil(1 / alpha)`` so that the
        ``(1 - alpha)`` quantile is not the largest draw by default.
    n_landmarks : int or None, default=None
        Compute everything on this many max-min landmarks (seeded by ``seed``);
        ``None`` or ``>= n_points`` uses every point (``landmark_bound = 0``).
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
        Cosine and correlation distances break the triangle inequality, on which
        both bounds rest; prefer euclidean distance on normalised rows.
    seed : int or None, default=None
        Seeds the landmarks and the resamples.
    n_jobs : int or None, default=None
        Workers for the resamples (see :func:`tda_nn.parallel.pmap`).

    Returns
    -------
    SignificantBars

    Raises
    ------
    ValueError
        ``X`` with fewer than 3 points, NaN/inf, not 2-D, an invalid distance matrix;
        ``alpha`` outside (0, 1); ``n_bootstrap < 1``; ``n_landmarks < 3``.
    TypeError
        Non-numeric ``X``, non-integer counts.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 2 * np.pi, 200)
    >>> X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(200, 2))
    >>> res = significant_bars(X, n_bootstrap=40, seed=0)
    >>> res.n_significant(0), res.n_significant(1)
    (1, 1)
    """
    from ..homology import persistence
    from ..parallel import pmap

    metric = check_choice(metric, name="metric", choices=_METRICS)
    method = check_choice(method, name="method", choices=_METHODS)
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    alpha = check_real(alpha, name="alpha", min_value=0.0, strict=True)
    if not alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}. Use e.g. alpha=0.05.")
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=1)
    P = _check_cloud(X, metric)
    n = P.shape[0]
    bound, m = 0.0, None
    if n_landmarks is not None:
        n_landmarks = check_int(n_landmarks, name="n_landmarks", min_value=3)
        if n_landmarks < n:
            from ..clouds import landmarks

            lm = landmarks(P, n_landmarks, metric=metric, seed=seed)
            P, bound, m = lm.points, float(lm.bound), n_landmarks
    dg = persistence(P, maxdim=maxdim, metric=metric)
    dg = Diagrams(list(dg)[: maxdim + 1], meta=dg.meta)

    D = _distance_matrix(P, metric)
    k = P.shape[0]
    size = None if method == "bootstrap" else min(k, max(3, int(round(k / np.log(k)))))
    seeds = np.random.SeedSequence(seed).spawn(n_bootstrap)
    haus = np.asarray(pmap(_hausdorff_to_resample, seeds, n_jobs=n_jobs, prefer="threads", D=D, size=size))
    c_h = float(np.quantile(haus, 1.0 - alpha, method="higher"))
    band = {d: 2.0 * c_h for d in range(maxdim + 1)}
    threshold = {d: 2.0 * max(band[d], bound) for d in range(maxdim + 1)}
    mask = {d: np.asarray(dg.lifetimes(d) > threshold[d], dtype=bool) for d in range(maxdim + 1)}
    meta = dict(dg.meta, significance=method, alpha=alpha, n_bootstrap=n_bootstrap)
    if m is not None:
        meta.update(n_landmarks=m, bottleneck_bound=bound, covering_radius=bound / 2.0)
    all_dg = dg.with_meta(**meta)
    kept = Diagrams([np.asarray(dg[d])[mask[d]] for d in range(maxdim + 1)], meta=meta)
    return SignificantBars(
        diagrams=kept, all_diagrams=all_dg, mask=mask, threshold=threshold, band=band,
        landmark_bound=bound, alpha=alpha, method=method, n_points=n, n_landmarks=m,
        n_bootstrap=n_bootstrap, replicates=haus,
    )
