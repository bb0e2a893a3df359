"""How similar are two representations, and how many dimensions does one use?

* :func:`cka` -- linear centred kernel alignment (Kornblith et al. 2019) and its
  debiased form, the standard non-topological baseline; :func:`cka_matrix` for every
  pair of many representations (each RBF Gram matrix computed once);
* :func:`rtd` -- Representation Topology Divergence (Barannikov et al. 2022), and
  :func:`cross_barcode`, the R-Cross-Barcode it sums;
(The intrinsic-dimension estimators are in :mod:`tda_nn.diagnostics.dimension`.)

Two representations are compared sample by sample: row ``i`` of ``X`` and row ``i``
of ``Y`` must describe the same input.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..diagrams import Diagrams
from ..validation import check_choice, check_flag, check_int, check_points, check_real

__all__ = ["cka", "cka_matrix", "cross_barcode", "rtd"]

RTDBackend = Literal["auto", "ripser", "giotto-ph"]
_RTD_BACKENDS = ("auto", "ripser", "giotto-ph")


# -- validation -----------------------------------------------------------------
def _samples(X: Any, *, name: str, min_samples: int, what: str) -> np.ndarray:
    """A finite 2-D float64 array with at least ``min_samples`` rows."""
    arr = check_points(X, name=name, min_points=1).astype(np.float64, copy=False)
    if arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} must have at least {min_samples} samples (rows) for {what}, got {arr.shape[0]} "
            f"(shape {arr.shape}). Capture the representation on more inputs."
        )
    return arr


def _pair(X: Any, Y: Any, *, min_samples: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Two representations of the same samples: same number of rows, in the same order."""
    X = _samples(X, name="X", min_samples=min_samples, what=what)
    Y = _samples(Y, name="Y", min_samples=min_samples, what=what)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must be representations of the same samples (row i of both = input i), "
            f"got X with {X.shape[0]} rows and Y with {Y.shape[0]} rows."
        )
    return X, Y


# -- CKA --------------------------------------------------------------------------
def _hsic_unbiased(K: np.ndarray, L: np.ndarray) -> float:
    """Unbiased HSIC estimator of Song et al. (2012), eq. 5, on Gram matrices (n >= 4)."""
    n = K.shape[0]
    K = K.copy()
    L = L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    KL = K @ L
    term = np.trace(KL) + K.sum() * L.sum() / ((n - 1) * (n - 2)) - 2.0 * KL.sum() / (n - 2)
    return float(term / (n * (n - 3)))


def cka(
    X: Any,
    Y: Any,
    *,
    debiased: bool = False,
    kernel: Literal["linear", "rbf"] = "linear",
    sigma: float | None = None,
) -> float:
    """Centred kernel alignment (linear or RBF) between two representations of the same samples.

    With column-centred ``X`` and ``Y`` (Kornblith, Norouzi, Lee, Hinton, "Similarity
    of neural network representations revisited", ICML 2019)::

        CKA(X, Y) = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)

    which is HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) for the linear Gram matrices
    ``K = X X^T``, ``L = Y Y^T``. With ``debiased=True`` every HSIC is the unbiased
    estimator of Song, Smola, Gretton, Bedo, Borgwardt ("Feature selection via
    dependence maximization", JMLR 2012): with the diagonals of K and L set to zero,
    ``HSIC_u = [tr(KL) + 1'K1 1'L1 / ((n-1)(n-2)) - 2/(n-2) 1'KL1] / (n(n-3))``.
    The biased form is pulled upwards when there are few samples and many features
    (two independent random representations score well above 0); the debiased form
    is then near 0.

    CKA is invariant to orthogonal transforms and isotropic scaling of either
    representation, not to general invertible linear maps.

    With ``kernel='rbf'`` the Gram matrices are Gaussian kernels,
    ``K_ij = exp(-||x_i - x_j||^2 / (2 sigma_X^2))`` (and ``L`` from ``Y`` with
    ``sigma_Y``), and ``CKA = <HKH, HLH>_F / (||HKH||_F ||HLH||_F)`` with the centring
    matrix ``H = I - 11'/n`` (or the unbiased HSIC above when ``debiased=True``).
    ``sigma=None`` uses the median heuristic of Kornblith et al. (2019): ``sigma`` is
    a fraction of the median distance between examples, computed for each
    representation separately; here the fraction is 1 (the default of their
    reference code; the paper also reports 0.2, 0.4 and 0.8 -- for those pass
    ``sigma = fraction * median`` yourself) and the median is over the distinct pairs
    ``i < j``. With the median heuristic RBF CKA keeps both invariances; with a
    fixed ``sigma`` it is not invariant to scaling.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    Y : array-like of shape (n_samples, n_features_y)
        Row ``i`` of both describes the same input.
    debiased : bool, default=False
        Use the unbiased HSIC estimator (needs at least 4 samples).
    kernel : {'linear', 'rbf'}, default='linear'
    sigma : float or None, default=None
        RBF bandwidth, used for both representations; ``None``: each
        representation's median pairwise Euclidean distance. Ignored for 'linear'.

    Returns
    -------
    float
        In [0, 1] for ``debiased=False``; the debiased value can be slightly negative.

    Raises
    ------
    ValueError
        Different numbers of samples, fewer than 2 samples (4 when debiased), NaN/inf,
        a representation that is constant over the samples, or ``sigma <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 8))
    >>> round(cka(X, 3 * X), 6)
    1.0
    >>> round(cka(X, 3 * X, kernel="rbf"), 6)
    1.0
    """
    check_flag(debiased, name="debiased")
    kernel = check_choice(kernel, name="kernel", choices=("linear", "rbf"))
    if sigma is not None:
        sigma = check_real(sigma, name="sigma", min_value=0.0, strict=True)
    X, Y = _pair(X, Y, min_samples=4 if debiased else 2, what="debiased CKA" if debiased else "CKA")
    X = X - X.mean(axis=0)
    Y = Y - Y.mean(axis=0)
    for arr, name in ((X, "X"), (Y, "Y")):
        if not np.any(arr):
            raise ValueError(f"{name} is constant over the samples (every row equal); CKA is undefined for it.")
    # CKA is invariant under scaling X and Y (each by its own factor; an explicit RBF sigma scales
    # with them): both are divided by a power of two near their largest |value| (exact), so fourth
    # powers neither overflow at 1e30 nor underflow at 1e-30
    ux, uy = _pow2(X), _pow2(Y)
    X, Y = X / ux, Y / uy
    n = X.shape[0]
    if kernel == "rbf":
        K = _rbf_gram(X, None if sigma is None else sigma / ux, "X", given=sigma)
        L = _rbf_gram(Y, None if sigma is None else sigma / uy, "Y", given=sigma)
        if debiased:
            xy, xx, yy = _hsic_unbiased(K, L), _hsic_unbiased(K, K), _hsic_unbiased(L, L)
        else:
            K, L = _centre_gram(K), _centre_gram(L)
            xy, xx, yy = float(np.sum(K * L)), float(np.sum(K * K)), float(np.sum(L * L))
    elif debiased:
        K, L = X @ X.T, Y @ Y.T
        xy, xx, yy = _hsic_unbiased(K, L), _hsic_unbiased(K, K), _hsic_unbiased(L, L)
    elif X.shape[1] * Y.shape[1] <= n * n:
        # feature space: cheaper when there are fewer features than samples
        xy = float(np.sum((Y.T @ X) ** 2))
        xx = float(np.sum((X.T @ X) ** 2))
        yy = float(np.sum((Y.T @ Y) ** 2))
    else:
        K, L = X @ X.T, Y @ Y.T
        xy, xx, yy = float(np.sum(K * L)), float(np.sum(K * K)), float(np.sum(L * L))
    if xx <= 0 or yy <= 0:
        which = "X" if xx <= 0 else "Y"
        raise ValueError(
            f"the debiased self-similarity HSIC_u({which}, {which}) is not positive ({min(xx, yy):.3g}): "
            f"too few samples ({n}) for the unbiased estimator. Use more samples or debiased=False."
        )
    return float(xy / np.sqrt(xx * yy))


def cka_matrix(arrays: Any, *, kernel: Literal["linear", "rbf"] = "linear",
               max_memory: int | str | None = "1GiB") -> np.ndarray:
    """CKA between every pair of representations of the same samples (:func:`cka`, biased form).

    ``cka(X_i, X_j)`` for all ``i < j``, the same numbers to rounding. With
    ``kernel='rbf'`` each representation's centred Gram matrix (median-distance
    bandwidth) is computed once and kept, instead of twice per pair: ``L`` Gram
    matrices for ``L`` representations instead of ``L (L - 1)``, as long as the
    ``L`` matrices fit in ``max_memory`` (``8 n^2`` bytes each); beyond it the pairs
    are computed one by one (same result, more time).

    Parameters
    ----------
    arrays : sequence of array-like, each of shape (n_samples, ...)
        Representations of the same samples (flattened per sample).
    kernel : {'linear', 'rbf'}, default='linear'
    max_memory : int, str or None, default='1GiB'
        Memory for the kept Gram matrices (``None``: no limit).

    Returns
    -------
    ndarray of shape (L, L)
        Symmetric, 1 on the diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> M = cka_matrix([X, 2 * X, X ** 2], kernel="rbf")
    >>> round(float(M[0, 1]), 12), M.shape
    (1.0, (3, 3))
    """
    from ..budgets import parse_memory

    kernel = check_choice(kernel, name="kernel", choices=("linear", "rbf"))
    # (n, ...) arrays are flattened per sample; anything else is validated as given, by name
    flat = [a.reshape(len(a), -1) if getattr(a, "ndim", 0) > 2 else a for a in arrays]
    L = len(flat)
    m = np.eye(L)
    if L < 2:
        return m
    budget = parse_memory(max_memory) if max_memory is not None else None
    n = len(_samples(flat[0], name="arrays[0]", min_samples=2, what="CKA"))
    keep = kernel == "rbf" and (budget is None or L * 8.0 * n * n <= budget)
    if not keep:
        for i in range(L):
            for j in range(i + 1, L):
                m[i, j] = m[j, i] = cka(flat[i], flat[j], kernel=kernel)
        return m
    grams, norms = [], []
    for k, A in enumerate(flat):
        # cka's own steps on one side: validated, centred, scaled by a power of two, Gram, centred Gram
        X = _samples(A, name=f"arrays[{k}]", min_samples=2, what="CKA")
        if len(X) != n:
            raise ValueError(f"arrays must be representations of the same samples: arrays[0] has {n} rows, "
                             f"arrays[{k}] has {len(X)}.")
        X = X - X.mean(axis=0)
        if not np.any(X):
            raise ValueError(f"arrays[{k}] is constant over the samples (every row equal); CKA is undefined for it.")
        K = _centre_gram(_rbf_gram(X / _pow2(X), None, f"arrays[{k}]"))
        grams.append(K)
        norms.append(float(np.sum(K * K)))
    for i in range(L):
        for j in range(i + 1, L):
            m[i, j] = m[j, i] = float(np.sum(grams[i] * grams[j])) / np.sqrt(norms[i] * norms[j])
    return m


def _pow2(A: np.ndarray) -> float:
    """A power of two near the largest ``|value|`` of ``A`` (1 when it is 0)."""
    top = float(np.abs(A).max(initial=0.0))
    return float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1)) if 0 < top < np.inf else 1.0


def _in_float_range(X: np.ndarray) -> np.ndarray:
    """``X`` divided by a power of two when its values lie so far from 1 (beyond 2**+-340) that squared
    distances would overflow or underflow; for measures that do not change when ``X`` is scaled."""
    top = float(np.abs(X).max(initial=0.0))
    return X / _pow2(X) if top > 0 and not 2.0**-340 <= top <= 2.0**340 else X


def _rbf_gram(X: np.ndarray, sigma: float | None, name: str, given: float | None = None) -> np.ndarray:
    """Gaussian Gram matrix ``exp(-||x_i - x_j||^2 / (2 sigma^2))``; ``sigma=None``: median distance."""
    sq = np.sum(X * X, axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (X @ X.T), 0.0)
    np.fill_diagonal(D2, 0.0)
    if sigma is None:
        iu = np.triu_indices(X.shape[0], k=1)
        sigma = float(np.median(np.sqrt(D2[iu])))
        if not sigma > 0:
            raise ValueError(
                f"the median distance between the rows of {name} is 0 (most samples share one "
                "representation), so the median heuristic gives no RBF bandwidth; pass sigma=... explicitly."
            )
    K = np.exp(-D2 / (2.0 * sigma * sigma))
    if given is not None and K.shape[0] > 1:  # an explicit bandwidth far from the distances carries nothing
        off = K[~np.eye(K.shape[0], dtype=bool)]
        if off.min() > 1.0 - 1e-12 or off.max() == 0.0:
            far = "larger" if off.min() > 0.5 else "smaller"
            raise ValueError(
                f"sigma={given!r} is far {far} than the distances between the rows of {name}: every RBF kernel "
                f"value off the diagonal rounds to {1 if far == 'larger' else 0}, so the kernel sees no structure. "
                "Pass a sigma near the typical distance, or sigma=None (the median heuristic)."
            )
    return K


def _centre_gram(K: np.ndarray) -> np.ndarray:
    """``H K H`` with ``H = I - 11'/n``."""
    K = K - K.mean(axis=0, keepdims=True)
    return K - K.mean(axis=1, keepdims=True)


# -- RTD --------------------------------------------------------------------------
def _normalised_distances(X: np.ndarray, name: str) -> np.ndarray:
    """Pairwise Euclidean distances divided by their 0.9-quantile (over all n x n entries)."""
    from scipy.spatial.distance import pdist, squareform

    D = squareform(pdist(_in_float_range(X)))  # normalised below: the scale of X does not matter
    q = float(np.quantile(D, 0.9))
    if q <= 0:
        raise ValueError(
            f"{name} has too many identical rows: the 0.9-quantile of its pairwise distances is 0, "
            "so RTD cannot normalise its scale. Remove duplicate samples."
        )
    return D / q


def _cross_matrix(r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """The 2n x 2n matrix [[0, r1^T], [r1, min(r1, r2)]], tiny entries set to 0."""
    n = r1.shape[0]
    D = np.zeros((2 * n, 2 * n))
    D[n:, :n] = r1
    D[:n, n:] = r1.T
    D[n:, n:] = np.minimum(r1, r2)
    D[D < 1e-6 * r1.mean()] = 0.0
    return D


def _cross_barcode(r1: np.ndarray, r2: np.ndarray, backend: str, n_threads: int) -> Diagrams:
    from ..homology import persistence

    return persistence(_cross_matrix(r1, r2), metric="precomputed", maxdim=1, backend=backend, n_threads=n_threads)


def _h1_total(r1: np.ndarray, r2: np.ndarray, backend: str, n_threads: int) -> float:
    bars = _cross_barcode(r1, r2, backend, n_threads)[1]
    bars = bars[np.isfinite(bars[:, 1])]  # none in a complete Rips filtration; kept as a guard
    return float(np.sum(bars[:, 1] - bars[:, 0]))


def _rtd_one(pair: tuple[np.ndarray, np.ndarray], *, symmetric: bool, backend: str, n_threads: int) -> float:
    X, Y = pair
    r1 = _normalised_distances(X, "X")
    r2 = _normalised_distances(Y, "Y")
    value = _h1_total(r1, r2, backend, n_threads)
    if symmetric:
        value = 0.5 * (value + _h1_total(r2, r1, backend, n_threads))
    return value


def cross_barcode(X: Any, Y: Any, *, backend: RTDBackend = "auto") -> Diagrams:
    """The R-Cross-Barcode_1(X, Y) of Barannikov et al. (2022), on all samples.

    ``r1``, ``r2`` are the pairwise Euclidean distance matrices of ``X`` and ``Y``,
    each divided by its own 0.9-quantile (taken over all ``n x n`` entries, as in the
    authors' code); the barcode is the persistent homology of the Rips filtration of
    the ``2n x 2n`` matrix ``[[0, r1^T], [r1, min(r1, r2)]]`` with entries below
    ``1e-6 * mean(r1)`` set to 0. Its H1 bars are the topological features present in
    ``X`` and absent in ``Y`` (their multi-scale discrepancy).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    Y : array-like of shape (n_samples, n_features_y)
    backend : {'auto', 'ripser', 'giotto-ph'}, default='auto'
        Rips engine, as in :func:`tda_nn.persistence`.

    Returns
    -------
    Diagrams
        H0 and H1 of the cross filtration (the H0 bars carry no information).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(30, 2))
    >>> len(cross_barcode(X, X)[1])
    0
    """
    check_choice(backend, name="backend", choices=_RTD_BACKENDS)
    X, Y = _pair(X, Y, min_samples=2, what="RTD")
    r1 = _normalised_distances(X, "X")
    r2 = _normalised_distances(Y, "Y")
    return _cross_barcode(r1, r2, backend, -1).with_meta(kind="R-Cross-Barcode", n_samples=int(X.shape[0]))


def rtd(
    X: Any,
    Y: Any,
    *,
    n_subsets: int = 10,
    subset_size: int = 500,
    symmetric: bool = True,
    seed: int | None = 0,
    backend: RTDBackend = "auto",
    n_jobs: int | None = None,
) -> float:
    """Representation Topology Divergence between two representations of the same samples.

    Barannikov, Trofimov, Balabin, Burnaev, "Representation Topology Divergence: a
    method for comparing neural network representations", ICML 2022. For one set of
    samples, RTD(X, Y) is the sum of the H1 bar lengths of the R-Cross-Barcode
    (:func:`cross_barcode`); the symmetric RTD is the mean of RTD(X, Y) and
    RTD(Y, X). As in the paper, the value is averaged over ``n_subsets`` random
    subsets of ``subset_size`` samples, the same indices in both representations.
    RTD is 0 when the two representations have the same normalised distances (e.g.
    ``Y = c * X @ Q`` with ``Q`` orthogonal), and grows with the clusters, loops and
    scales present in one and missing in the other.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    Y : array-like of shape (n_samples, n_features_y)
        Row ``i`` of both describes the same input.
    n_subsets : int, default=10
        Number of random subsets averaged. When ``n_samples <= subset_size`` all
        samples are used once instead.
    subset_size : int, default=500
        Samples per subset (the Rips filtration has ``2 * subset_size`` vertices).
    symmetric : bool, default=True
        Average RTD(X, Y) and RTD(Y, X).
    seed : int or None, default=0
        Seed of the subset choice.
    backend : {'auto', 'ripser', 'giotto-ph'}, default='auto'
        Rips engine, as in :func:`tda_nn.persistence`.
    n_jobs : int or None, default=None
        Subsets computed in parallel through :func:`tda_nn.parallel.pmap`.

    Returns
    -------
    float
        The (averaged) RTD, >= 0.

    Raises
    ------
    ValueError
        Different numbers of samples, fewer than 2 samples, NaN/inf, or a
        representation whose distances are mostly zero.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> rtd(X, 2 * X)
    0.0
    """
    from ..parallel import pmap

    n_subsets = check_int(n_subsets, name="n_subsets", min_value=1)
    subset_size = check_int(subset_size, name="subset_size", min_value=2)
    check_choice(backend, name="backend", choices=_RTD_BACKENDS)
    check_flag(symmetric, name="symmetric")
    X, Y = _pair(X, Y, min_samples=2, what="RTD")
    n = X.shape[0]
    if n <= subset_size:
        pairs = [(X, Y)]
    else:
        rng = np.random.default_rng(seed)
        subsets = [rng.choice(n, size=subset_size, replace=False) for _ in range(n_subsets)]
        pairs = [(X[idx], Y[idx]) for idx in subsets]
    # one Rips thread per subset when subsets run in parallel
    n_threads = -1 if n_jobs in (None, 1) or len(pairs) == 1 else 1
    values = pmap(_rtd_one, pairs, n_jobs=n_jobs, symmetric=bool(symmetric), backend=backend, n_threads=n_threads)
    return float(np.mean(values))
