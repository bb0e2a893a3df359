"""Point-cloud builders: landmarks with a stated error, metrics, geodesics, per-sample clouds.

Between activations and homology sits the choice of *which points, in which
metric*. This module makes that choice explicit and large clouds tractable:

* :func:`landmarks` picks ``n`` landmarks by max-min (farthest point) or at
  random and reports the covering radius ``r`` they achieve. By stability of
  Rips persistence, the Rips diagrams of the landmarks are within bottleneck
  distance ``2 r`` of those of the whole cloud (for a true metric).
* :func:`pairwise_distances` (euclidean, cosine, correlation) in chunks, with a
  memory guard; :func:`standardize` and :func:`pca` for preprocessing.
* :func:`nearest_neighbors`: the k nearest neighbours, exact in float64 with ties
  broken by index, on the CPU or (``device=``) with tiled torch kernels;
  :func:`knn_geodesic`: shortest-path distances on the k-nearest-neighbour graph
  (an Isomap-style estimate of intrinsic distances); :func:`dtm_weights`:
  distance-to-measure vertex weights for weighted Rips.
* :func:`sample_clouds` and :func:`feature_map_images`: one cloud (or image) per
  sample from activations captured with ``reduce="none"``.

Metric conventions (those of :func:`scipy.spatial.distance.cdist`): cosine
distance ``1 - <x, y> / (|x| |y|)``; correlation distance is the cosine distance
of the rows after subtracting each row's mean. Neither is a metric (no triangle
inequality); on unit vectors ``|x - y|^2 = 2 (1 - <x, y>)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import _landmarks
from ._knn import _certified_knn, _knn_of_matrix, _rows_as_measured, _SklearnSearch
from ._landmarks import _is_torch, _tensor_in_range
from .budgets import check_budget
from .validation import (
    as_numpy,
    check_choice,
    check_distance_matrix,
    check_int,
    check_points,
    check_real,
    check_seed,
    find_stack_level,
)

__all__ = [
    "Landmarks",
    "dtm_weights",
    "feature_map_images",
    "knn_geodesic",
    "landmarks",
    "nearest_neighbors",
    "pairwise_distances",
    "pca",
    "sample_clouds",
    "standardize",
]

Metric = Literal["euclidean", "cosine", "correlation", "precomputed"]
_METRICS = ("euclidean", "cosine", "correlation", "precomputed")
_FEATURE_METRICS = ("euclidean", "cosine", "correlation")


# -- helpers ---------------------------------------------------------------------
def _kernels() -> Any:
    """The device kernels (the torch wing), loaded by name only when a device is asked for."""
    import importlib

    return importlib.import_module("tda_nn.nn.kernels")


def _list_rows(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return f"[{shown}{', ...' if len(rows) > limit else ''}]"


def _check_metric_rows(X: np.ndarray, metric: str, name: str) -> None:
    """Cosine needs non-zero rows, correlation needs rows that are not constant."""
    if metric not in ("cosine", "correlation"):
        return
    # each row divided by a power of two near its largest |value| (exact; both distances are
    # invariant under scaling a row): rows at 1e300 or 1e-300 neither overflow nor underflow here
    Z = X.astype(np.float64) / _landmarks.row_units(X)[:, None]
    if metric == "correlation":
        Z = Z - Z.mean(axis=1, keepdims=True)
        # relative to the row's magnitude: a constant row centres to rounding noise
        floor = 1e-12 * np.abs(X / _landmarks.row_units(X)[:, None]).max(axis=1).astype(np.float64) * np.sqrt(X.shape[1])
    else:
        floor = np.zeros(len(X))
    norm = np.sqrt(np.einsum("ij,ij->i", Z, Z))
    bad = np.flatnonzero(norm <= floor)
    if bad.size:
        what = "are zero vectors" if metric == "cosine" else "have zero variance (constant rows)"
        raise ValueError(
            f"{name} rows {_list_rows(bad)} ({bad.size} in all) {what}, for which the {metric} "
            f"distance is undefined. Drop those rows (e.g. X[np.linalg.norm(X, axis=1) > 0]) "
            "or use metric='euclidean'."
        )


def _guard(n_rows: int, n_cols: int, dtype: Any, max_memory: Any, what: str) -> None:
    need = float(n_rows) * float(n_cols) * np.dtype(dtype).itemsize
    check_budget(need, f"the {n_rows} x {n_cols} result of {what} as {np.dtype(dtype).name}", max_memory,
                 hint="Subsample with a known error bound first (tda_nn.landmarks(X, n)), use dtype=np.float32, "
                      "or raise max_memory.")


# -- landmarks -------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class Landmarks:
    """Landmarks chosen from a point cloud, with the covering radius they achieve.

    Attributes
    ----------
    indices : ndarray of shape (n_landmarks,), int
        Rows of ``X`` chosen, in the order chosen (for max-min, each is the point
        farthest from those before it).
    points : ndarray of shape (n_landmarks, n_features)
        ``X[indices]``; for ``metric='precomputed'`` the ``(n_landmarks, n_landmarks)``
        sub-matrix ``X[np.ix_(indices, indices)]``.
    radius : float
        Covering radius ``max_x min_l d(x, l)``: the Hausdorff distance from ``X``
        to the landmarks in ``metric``.
    method : {'maxmin', 'random'}
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}
    """

    indices: np.ndarray
    points: np.ndarray
    radius: float
    method: str
    metric: str
    _n_points: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        for arr in (self.indices, self.points):
            if isinstance(arr, np.ndarray):
                arr.setflags(write=False)

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def bound(self) -> float:
        """``2 * radius``: the bottleneck bound between landmark and full Rips diagrams."""
        return 2.0 * self.radius

    def __repr__(self) -> str:
        of = f" of {self._n_points}" if self._n_points >= 0 else ""
        return (
            f"Landmarks(n={len(self.indices)}{of}, method={self.method!r}, "
            f"metric={self.metric!r}, radius={self.radius:.4g})"
        )


def landmarks(
    X: Any,
    n: int,
    *,
    method: Literal["maxmin", "random"] = "maxmin",
    metric: Metric = "euclidean",
    seed: int | None = None,
    start: int | None = None,
    device: Any = None,
) -> Landmarks:
    """Choose ``n`` landmarks from a point cloud and report the covering radius achieved.

    Max-min (farthest point sampling) starts at one point and repeatedly adds the
    point farthest from the landmarks chosen so far. It runs in O(N n) distance
    evaluations and O(N) memory beyond ``X`` (never an ``N x N`` matrix), batching
    its work into matrix products (see ``tda_nn._landmarks``). Its covering
    radius is within a factor 2 of the best possible for ``n`` landmarks.

    **Error bound.** With ``r = radius``, the Hausdorff (hence Gromov-Hausdorff)
    distance between ``X`` and the landmarks is ``r``, so for every homology
    dimension the bottleneck distance between the Vietoris-Rips diagrams of ``X``
    and of the landmarks is at most ``2 r`` (Chazal, de Silva, Oudot 2014). This
    holds for the euclidean metric and any precomputed *metric*; cosine and
    correlation distances violate the triangle inequality, so the bound is not
    guaranteed for them (use euclidean distance on normalised rows, whose squares
    are twice the cosine distance, when the bound matters).

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (N, n_features), or (N, N) if precomputed
        The point cloud. A torch tensor on a GPU is processed on its device; CPU
        tensors are converted to numpy. float32 input is processed in float32.
    n : int
        Number of landmarks, ``1 <= n <= N``.
    method : {'maxmin', 'random'}, default='maxmin'
        Farthest point sampling, or ``n`` distinct points uniformly at random.
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
    seed : int or None, default=None
        Seeds the random draw; for max-min, seeds the start point when ``start``
        is None.
    start : int or None, default=None
        First max-min landmark. ``None``: row 0 when ``seed`` is None, else a
        row drawn with ``seed``.
    device : torch.device, str or None, default=None
        Run max-min as torch kernels on this device (:mod:`tda_nn.nn.kernels`;
        the same landmarks, the radius re-measured in float64). ``None``: numpy,
        or the tensor's own device for a tensor on an accelerator.

    Returns
    -------
    Landmarks
        ``indices``, ``points``, ``radius`` (exact to float64), ``method``, ``metric``.

    Raises
    ------
    ValueError
        ``n`` larger than the number of points, NaN/inf entries, zero rows for
        cosine, constant rows for correlation, a non-square precomputed matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import landmarks
    >>> t = np.linspace(0, 2 * np.pi, 1000, endpoint=False)
    >>> L = landmarks(np.c_[np.cos(t), np.sin(t)], 20)
    >>> L.indices.shape, round(L.radius, 3)
    ((20,), 0.194)
    """
    method = check_choice(method, name="method", choices=("maxmin", "random"))
    metric = check_choice(metric, name="metric", choices=_METRICS)
    on_device = _is_torch(X) and str(X.device) != "cpu"
    if method == "maxmin" and (device is not None or on_device):
        n, first, _ = _check_counts(n, int(X.shape[0]), seed, start)
        S, unit = _tensor_in_range(X, metric)  # far from 1: a power-of-two scaling, as on the CPU path
        L = _kernels().landmarks(S, n, first, metric=metric, device=device)
        if S is X:
            return L
        idx = np.array(L.indices)  # a writable copy: torch indexes with it
        pts = X[np.ix_(idx, idx)] if metric == "precomputed" else X[idx]
        pts = pts.detach().cpu().numpy() if _is_torch(pts) else np.asarray(pts)
        return Landmarks(L.indices, np.ascontiguousarray(pts), _unscale(L.radius, unit, "X", "covering radius"),
                         L.method, L.metric, L._n_points)
    if on_device:  # a random draw needs no device: its radius is measured here
        X = X.detach().cpu().numpy()
    if metric == "precomputed":
        # checked and read a block of rows at a time: a memory-mapped matrix stays on disk
        D = check_distance_matrix(X, name="X", keep_dtype=True)
        if not isinstance(D, np.ndarray):
            raise TypeError("landmarks with metric='precomputed' needs a dense (N, N) matrix, got a sparse matrix.")
        N = D.shape[0]
    else:
        D = check_points(X, name="X", min_points=1)
        _check_metric_rows(D, metric, "X")
        N = D.shape[0]
    n, first, rng = _check_counts(n, N, seed, start)
    # far from 1 (at 1e300 squares overflow, at 1e-300 they underflow), selection and radius
    # run on the cloud scaled by a power of two and the radius is scaled back: exact
    S, unit = (D, 1.0) if metric == "precomputed" else _landmarks.in_range(D, metric)
    if method == "random":
        idx = rng.choice(N, size=n, replace=False).astype(np.intp)
        if metric == "precomputed":
            radius = float(D[:, idx].min(axis=1).max())
        else:
            dmin, tol = _landmarks.sqdist_to_landmarks(S, idx, metric)
            radius = _landmarks.exact_radius(S, idx, dmin, tol, metric)
    elif metric == "precomputed":
        idx, radius = _landmarks.maxmin_precomputed(D, n, first)
    else:
        idx, dmin, tol = _landmarks.maxmin_numpy(S, n, first, metric)
        radius = _landmarks.exact_radius(S, idx, dmin, tol, metric)
    radius = _unscale(float(radius), unit, "X", "covering radius")
    points = D[np.ix_(idx, idx)] if metric == "precomputed" else D[idx]
    return Landmarks(idx, np.ascontiguousarray(points), radius, method, metric, N)


def _unscale(value: float, unit: float, name: str, what: str, dtype: Any = np.float64) -> float:
    """``value * unit`` (exact: ``unit`` is a power of two), refused by name where ``dtype`` cannot hold it."""
    if unit == 1.0:
        return value
    info = np.finfo(dtype)
    fix = "" if info.dtype == np.float64 else " or pass dtype=np.float64"
    if value > float(info.max) / unit:
        raise ValueError(
            f"{name} spans so far that its {what} ({value:.6g} x 2**{int(np.log2(unit))}) exceeds the largest "
            f"{info.dtype} ({float(info.max):.3g}). Rescale first, e.g. {name} / np.abs({name}).max(){fix}."
        )
    if 0.0 < value * unit < float(info.tiny):
        raise ValueError(
            f"{name} spans so little that its {what} ({value * unit:.3g}) is below the smallest normal "
            f"{info.dtype} ({float(info.tiny):.3g}) and has lost its precision. Rescale first, e.g. "
            f"{name} / np.abs({name}).max(){fix}."
        )
    return value * unit


def _check_counts(n: Any, N: int, seed: Any, start: Any) -> tuple[int, int, np.random.Generator]:
    n = check_int(n, name="n", min_value=1)
    if n > N:
        raise ValueError(
            f"n must be at most the number of points, got n={n} landmarks for {N} points. "
            f"Use n <= {N} (n = {N} keeps every point)."
        )
    rng = np.random.default_rng(check_seed(seed, name="seed"))
    if start is None:
        first = 0 if seed is None else int(rng.integers(N))
    else:
        first = check_int(start, name="start", min_value=0, max_value=N - 1)
    return n, first, rng


# -- distances and preprocessing ----------------------------------------------------
def pairwise_distances(
    X: Any,
    Y: Any = None,
    *,
    metric: Literal["euclidean", "cosine", "correlation"] = "euclidean",
    dtype: Any = np.float64,
    chunk_size: int | None = None,
    max_memory: int | float | str | None = None,
    device: Any = None,
) -> np.ndarray:
    """Distances between the rows of ``X`` (and ``Y``), computed in chunks.

    Only the result is ever ``n x n``; work happens in row blocks of
    ``chunk_size``. With ``Y=None`` the result is exactly symmetric with an exact
    zero diagonal (only the upper blocks are computed and mirrored).

    Parameters
    ----------
    X : array-like of shape (n_x, n_features)
    Y : array-like of shape (n_y, n_features) or None, default=None
        ``None`` means ``Y = X``.
    metric : {'euclidean', 'cosine', 'correlation'}, default='euclidean'
    dtype : {np.float64, np.float32}, default=np.float64
        Result and working precision. float32 halves memory and is faster; small
        euclidean distances then carry ~1e-3 relative error (the expansion
        ``|x|^2 + |y|^2 - 2<x, y>`` on column-centred data).
    chunk_size : int or None, default=None
        Rows per block; ``None`` keeps each block near 32 MiB.
    max_memory : int, float, str or None, default=None
        Largest result allowed, in bytes or as a string like ``'8GiB'``; ``None``
        means half the machine's physical memory.
    device : torch.device, str or None, default=None
        Compute the blocks as torch kernels on this device (:mod:`tda_nn.nn.kernels`):
        equal to this path to rounding in float64, within 2e-6 relative of float64
        in float32 (as this path is). ``None``: numpy, no torch import.

    Returns
    -------
    ndarray of shape (n_x, n_y)

    Raises
    ------
    ValueError
        The result would exceed ``max_memory`` (the message gives the size and
        suggests :func:`landmarks`); zero rows for cosine, constant rows for
        correlation; mismatched feature counts.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import pairwise_distances
    >>> pairwise_distances(np.array([[0.0, 0.0], [3.0, 4.0]]))
    array([[0., 5.],
           [5., 0.]])
    """
    metric = check_choice(metric, name="metric", choices=_FEATURE_METRICS)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype}.")
    Xa = check_points(X, name="X", min_points=1)
    Ya = None if Y is None else check_points(Y, name="Y", min_points=1)
    if Ya is not None and Ya.shape[1] != Xa.shape[1]:
        raise ValueError(f"X and Y must have the same number of features, got {Xa.shape[1]} and {Ya.shape[1]}.")
    n_y = Xa.shape[0] if Ya is None else Ya.shape[0]
    _guard(Xa.shape[0], n_y, dtype, max_memory, "pairwise_distances")
    _check_metric_rows(Xa, metric, "X")
    if Ya is not None:
        _check_metric_rows(Ya, metric, "Y")

    # far from 1 (squares overflow at 1e300 and underflow at 1e-300) the rows are divided by powers
    # of two, exactly: one common unit for euclidean (multiplied back at the end), each row its own
    # for cosine and correlation (invariant under scaling a row)
    unit = 1.0
    if metric == "euclidean":
        top = max(float(np.abs(Xa).max(initial=0.0)), 0.0 if Ya is None else float(np.abs(Ya).max(initial=0.0)))
        unit = _landmarks.pow2_unit(top)

    def prep(A: np.ndarray) -> np.ndarray:
        A = A.astype(np.float64) / (unit if metric == "euclidean" else _landmarks.row_units(A)[:, None])
        if metric == "correlation":
            A = A - A.mean(axis=1, keepdims=True)
        if metric in ("cosine", "correlation"):
            A = A / np.linalg.norm(A, axis=1, keepdims=True)
        return A

    if device is not None:  # the kernels get the rows scaled as here (exact), and the distances are scaled back
        def scaled(A: np.ndarray) -> np.ndarray:
            return A.astype(np.float64) / (unit if metric == "euclidean" else _landmarks.row_units(A)[:, None])

        out = _kernels().pairwise_distances(scaled(Xa), None if Ya is None else scaled(Ya), metric=metric,
                                            dtype=dtype, device=device)
        return _scale_back(np.asarray(out), unit, dtype)
    A = prep(Xa)
    B = A if Ya is None else prep(Ya)
    if metric == "euclidean":  # centre both on one mean: distances unchanged, less cancellation
        mu = np.concatenate([A, B]).mean(axis=0) if Ya is not None else A.mean(axis=0)
        A = A - mu
        B = A if Ya is None else B - mu
    A = A.astype(dtype)
    B = A if Ya is None else B.astype(dtype)
    sqA = np.einsum("ij,ij->i", A, A)
    sqB = sqA if Ya is None else np.einsum("ij,ij->i", B, B)
    if chunk_size is None:
        chunk_size = max(16, (32 * 2**20) // max(1, n_y * dtype.itemsize))
    chunk_size = check_int(chunk_size, name="chunk_size", min_value=1)
    out = np.empty((A.shape[0], n_y), dtype=dtype)

    def block(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        G = A[r0:r1] @ B[c0:c1].T
        if metric == "euclidean":
            G *= -2
            G += sqA[r0:r1, None]
            G += sqB[None, c0:c1]
            np.maximum(G, 0, out=G)
            return np.sqrt(G, out=G)
        G = 1 - G  # cosine of unit rows
        return np.clip(G, 0, 2, out=G)

    nA = A.shape[0]
    if Ya is not None:
        for r in range(0, nA, chunk_size):
            out[r : r + chunk_size] = block(r, min(r + chunk_size, nA), 0, n_y)
        return _scale_back(out, unit, dtype)
    for r in range(0, nA, chunk_size):
        r1 = min(r + chunk_size, nA)
        for c in range(r, nA, chunk_size):
            c1 = min(c + chunk_size, nA)
            blk = block(r, r1, c, c1)
            if c == r:
                blk = (blk + blk.T) / 2
                np.fill_diagonal(blk, 0)
            out[r:r1, c:c1] = blk
            if c != r:
                out[c:c1, r:r1] = blk.T
    return _scale_back(out, unit, dtype)


def _scale_back(out: np.ndarray, unit: float, dtype: np.dtype) -> np.ndarray:
    """Distances computed on rows divided by ``unit`` in original units, in place; refused where ``dtype`` cannot hold them."""
    if unit == 1.0 or out.size == 0:
        return out
    top = float(np.max(out, initial=0.0, where=np.isfinite(out)))  # inf: no path, kept as it is
    pos = out[(out > 0) & np.isfinite(out)]
    _unscale(top, unit, "X", "largest distance", dtype)  # raises where it overflows
    if pos.size:
        _unscale(float(pos.min()), unit, "X", "smallest nonzero distance", dtype)  # or loses its precision
    out *= dtype.type(unit) if np.isfinite(dtype.type(unit)) else np.float64(unit)
    return out


def standardize(X: Any) -> np.ndarray:
    """Centre each column and scale it to unit variance.

    Columns with zero variance are centred (so they become 0) and not scaled,
    with a warning naming them.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        float64 (float32 input stays float32).

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import standardize
    >>> standardize(np.array([[1.0, 5.0], [3.0, 5.0]]))
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    Xa = check_points(X, name="X", min_points=1)
    # each column divided by a power of two near its largest |value| first (exact, and the result is
    # invariant under it): columns at 1e300 or 1e-300 neither overflow nor look constant
    unit = _landmarks.row_units(np.ascontiguousarray(Xa.T)).astype(Xa.dtype)
    Xa = Xa / unit
    mean = Xa.mean(axis=0, dtype=np.float64)
    std = Xa.std(axis=0, dtype=np.float64)
    flat = std <= 1e-12 * np.maximum(np.abs(mean), 1.0)
    if flat.any():
        warnings.warn(
            f"standardize: columns {_list_rows(np.flatnonzero(flat))} ({int(flat.sum())} in all) have zero "
            "variance; they are centred to 0 and not scaled.",
            UserWarning,
            stacklevel=find_stack_level(),
        )
    std = np.where(flat, 1.0, std)
    return ((Xa - mean) / std).astype(Xa.dtype, copy=False)


def pca(
    X: Any,
    n_components: int | None = None,
    *,
    variance: float | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """Project onto the leading principal components (scikit-learn ``PCA``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int or None, default=None
        Number of components to keep, ``1 <= k <= min(n_samples, n_features)``.
    variance : float in (0, 1) or None, default=None
        Keep the fewest components explaining at least this fraction of the
        variance. Give at most one of ``n_components`` and ``variance``; with
        neither, every component is kept (a rotation of the centred data).
    seed : int or None, default=0
        For scikit-learn's randomised solver on large inputs.

    Returns
    -------
    ndarray of shape (n_samples, k)
        The centred data in principal coordinates (not whitened), so euclidean
        distances are those of the projection.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import pca
    >>> X = np.random.default_rng(0).normal(size=(50, 5)) * [10, 1, 0.1, 0.1, 0.1]
    >>> pca(X, variance=0.95).shape
    (50, 1)
    """
    from sklearn.decomposition import PCA

    Xa = check_points(X, name="X", min_points=2)
    limit = min(Xa.shape)
    if n_components is not None and variance is not None:
        raise ValueError("Give at most one of n_components and variance, got both.")
    if variance is not None:
        v = check_real(variance, name="variance")
        if not 0 < v < 1:
            raise ValueError(f"variance must be a fraction in (0, 1), got {variance}. Use n_components for a count.")
        keep: Any = v
    else:
        keep = limit if n_components is None else check_int(n_components, name="n_components", min_value=1)
        if keep > limit:
            raise ValueError(f"n_components must be <= min(n_samples, n_features) = {limit}, got {keep}.")
    solver = "full" if variance is not None else "auto"
    # far from 1 (an SVD at 1e300 overflows to NaN, at 1e-300 loses digits) on the cloud divided by a power
    # of two, the projection multiplied back: the same components, in the original units
    S, unit = _landmarks.in_range(Xa, "euclidean")
    out = PCA(n_components=keep, svd_solver=solver, random_state=seed).fit_transform(S)
    return out if unit == 1.0 else out * unit


# -- neighbourhood graphs -----------------------------------------------------------
def _device_for(device: Any, metric: str, dtype: Any) -> Any:
    """``device`` checked before any work (``None`` stays ``None``); ``dtype`` the tile precision."""
    try:
        dt = np.dtype(dtype) if isinstance(dtype, (type, np.dtype, str)) else None
    except TypeError:
        dt = None
    if dt is None or dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64 (the precision of the device tiles), got {dtype!r}.")
    if device is None:
        return None
    if metric == "precomputed":
        raise ValueError("metric='precomputed' has no device kernel: the neighbours of a distance matrix are read "
                         "from its rows on the CPU. Leave device out, or pass the points with metric='euclidean', "
                         "'cosine' or 'correlation'.")
    return _kernels().device_of(device)  # a TypeError or ValueError naming device


def _knn(X: Any, k: int, metric: str, name: str = "X", device: Any = None,
         dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices and distances of the k nearest neighbours of every row (self excluded), ties by index."""
    metric = check_choice(metric, name="metric", choices=_METRICS)
    dev = _device_for(device, metric, dtype)
    if metric == "precomputed":
        D = check_distance_matrix(X, name=name)
        if not isinstance(D, np.ndarray):
            raise TypeError(f"{name} must be a dense distance matrix for metric='precomputed'.")
    else:
        D = check_points(X, name=name)
        _check_metric_rows(D, metric, name)
    N = D.shape[0]
    k = check_int(k, name="k", min_value=1)
    if k >= N:
        raise ValueError(f"k must be smaller than the number of points, got k={k} for {N} points. Use k <= {N - 1}.")
    check_budget(8.0 * 4 * N * (k + 1), f"the {N} x {k + 1} neighbour distances and indices (k={k})", None,
                 name="budget", hint="Use a smaller k (a few percent of the points is typical).")

    if metric == "precomputed":
        ind, dist = _knn_of_matrix(D, k)
        return ind, dist, N
    S, unit = _landmarks.in_range(D, metric)  # far from 1: scaled by a power of two, distances scaled back
    P = _rows_as_measured(S, metric)
    # candidates from scikit-learn's trees or the device tiles; the answer is decided here, in float64
    search = _SklearnSearch(P) if dev is None else _kernels().KnnSearch(P, dev, dtype)
    ind, sq = _certified_knn(P, k, search)
    dist = np.sqrt(sq) if metric == "euclidean" else 0.5 * sq  # cosine of unit rows: |u - v|^2 / 2
    if unit != 1.0:
        pos = dist[dist > 0]
        for v, what in ((float(dist.max(initial=0.0)), "largest neighbour distance"),
                        (float(pos.min()) if pos.size else 0.0, "smallest nonzero neighbour distance")):
            _unscale(v, unit, name, what)
        dist = dist * unit
    return ind, dist, N


def nearest_neighbors(
    X: Any,
    k: int,
    *,
    metric: Literal["euclidean", "cosine", "correlation"] = "euclidean",
    device: Any = None,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other points of every point, exact in float64, ties broken by index.

    A point is never its own neighbour; the other copies of a duplicated point are
    its neighbours at distance 0. The answer is a function of the float64
    distances alone: candidates come from scikit-learn's trees (or from tiled torch
    kernels on ``device``), every candidate is re-measured in float64
    (``sqrt(sum((x - y)^2))``; for cosine and correlation ``|u - v|^2 / 2`` of the unit
    rows, which is ``1 - cos`` without its cancellation), and a point's answer is
    kept only when no point outside its candidates can be as near as its k-th
    neighbour; otherwise it is searched again with more candidates. So the result
    is the same, bit for bit, on every engine and device, and among points at equal
    distance the lower indices are the neighbours.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (N, n_features)
    k : int
        Neighbours per point, ``1 <= k < N``.
    metric : {'euclidean', 'cosine', 'correlation'}, default='euclidean'
    device : torch.device, str or None, default=None
        Propose the candidates with tiled torch kernels on this device
        (:class:`tda_nn.nn.kernels.KnnSearch`: ``N^2 d`` of matrix products).
        ``None``: scikit-learn on the CPU, no torch import.
    dtype : {np.float64, np.float32}, default=np.float64
        Precision of the device tiles (float32 is faster on most GPUs; the answer
        is the same, as every candidate is re-measured in float64).

    Returns
    -------
    indices : ndarray of shape (N, k), int64
        Row ``i`` lists the neighbours of point ``i`` by increasing distance, ties by index.
    distances : ndarray of shape (N, k), float64

    Raises
    ------
    ValueError
        ``k`` outside ``[1, N - 1]``, NaN/inf entries, zero rows for cosine, constant
        rows for correlation, a ``device`` torch does not know or that is absent,
        a ``dtype`` other than float32/float64.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import nearest_neighbors
    >>> ind, dist = nearest_neighbors(np.array([[0.0], [1.0], [2.0], [4.0]]), 1)
    >>> ind.ravel().tolist(), dist.ravel().tolist()  # point 1 is as near to 0 as to 2: index 0 wins
    ([1, 0, 1, 2], [1.0, 1.0, 1.0, 2.0])
    """
    metric = check_choice(metric, name="metric", choices=_FEATURE_METRICS)
    ind, dist, _ = _knn(X, k, metric, device=device, dtype=dtype)
    return ind, dist


def knn_geodesic(
    X: Any,
    k: int,
    *,
    metric: Metric = "euclidean",
    disconnected: Literal["connect", "inf", "raise"] = "connect",
    max_memory: int | float | str | None = None,
    device: Any = None,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Shortest-path (geodesic) distances on the symmetrised k-nearest-neighbour graph.

    Each point is joined to its ``k`` nearest neighbours by an edge weighted with
    their distance; an edge is kept if either end chose it. Path lengths in this
    graph estimate intrinsic distances on the manifold the points sample (as in
    Isomap, Tenenbaum et al. 2000): along a curve they approach arc length.

    Parameters
    ----------
    X : array-like of shape (N, n_features), or (N, N) if precomputed
    k : int
        Neighbours per point, ``1 <= k < N``.
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
    disconnected : {'connect', 'inf', 'raise'}, default='connect'
        What to do when the graph has several connected components. All but
        ``'raise'`` warn, naming the number and sizes of the components.
        ``'connect'``: add, for each edge of a minimum spanning tree between the
        components, the shortest edge joining the two components (single-linkage
        bridges), then compute paths. ``'inf'``: leave ``inf`` between
        components (Rips engines read ``inf`` as "no edge", so each component keeps
        its own essential H0 bar). ``'raise'``: raise ``ValueError``.
    max_memory : int, float, str or None, default=None
        Guard on the ``N x N`` float64 result, as in :func:`pairwise_distances`.
    device : torch.device, str or None, default=None
        Build the neighbour graph (the ``N^2 d`` part) with tiled torch kernels on
        this device, as :func:`nearest_neighbors` does; the bridges between
        components and the shortest paths (scipy's Dijkstra) stay on the CPU.
        The result is the CPU path's, bit for bit. ``None``: numpy and
        scikit-learn, no torch import. Not with ``metric='precomputed'``.
    dtype : {np.float64, np.float32}, default=np.float64
        Precision of the device tiles; the graph's edges are re-measured in float64
        whatever it is, so the result does not depend on it.

    Returns
    -------
    ndarray of shape (N, N)
        Symmetric float64 geodesic distances, zero diagonal.

    Notes
    -----
    The neighbours are those of :func:`nearest_neighbors`: exact in float64, ties
    broken by index, so a grid (many equal distances) gives one graph whatever
    engine or device found the candidates.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import knn_geodesic
    >>> t = np.linspace(0, np.pi, 200)
    >>> D = knn_geodesic(np.c_[np.cos(t), np.sin(t)], k=4)
    >>> round(float(D[0, -1]), 3)  # half circle: arc length pi
    3.141
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree, shortest_path

    disconnected = check_choice(disconnected, name="disconnected", choices=("connect", "inf", "raise"))
    metric = check_choice(metric, name="metric", choices=_METRICS)
    _device_for(device, metric, dtype)  # a bad device is refused before any work
    unit = 1.0
    if metric != "precomputed":
        # far from 1 the whole graph is built on the cloud scaled by a power of two (exact), so bridge
        # weights keep their order; the path lengths are scaled back at the end
        X, unit = _landmarks.in_range(check_points(X, name="X"), metric)
        _guard(len(X), len(X), np.float64, max_memory, "knn_geodesic")
    ind, dist, N = _knn(X, k, metric, device=device, dtype=dtype)
    if metric == "precomputed":
        _guard(N, N, np.float64, max_memory, "knn_geodesic")
    rows = np.repeat(np.arange(N), ind.shape[1])
    cols = ind.ravel()
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    key, first = np.unique(lo.astype(np.int64) * N + hi, return_index=True)
    # explicit zeros (duplicate points) stay edges in csgraph
    G = sp.csr_matrix((dist.ravel()[first], (key // N, key % N)), shape=(N, N))
    n_comp, labels = connected_components(G, directed=False)
    if n_comp > 1:
        sizes = np.bincount(labels)
        msg = (
            f"the {k}-nearest-neighbour graph has {n_comp} connected components "
            f"(sizes {sorted(sizes.tolist(), reverse=True)[:10]}{'...' if n_comp > 10 else ''})"
        )
        if disconnected == "raise":
            raise ValueError(f"{msg}; increase k or pass disconnected='connect' or 'inf'.")
        if disconnected == "inf":
            warnings.warn(f"{msg}; distances between components are inf.", UserWarning, stacklevel=find_stack_level())
        else:
            warnings.warn(
                f"{msg}; joining them by their shortest bridging edges (a minimum spanning tree "
                "over the components). Increase k to avoid this.",
                UserWarning,
                stacklevel=find_stack_level(),
            )
            G = _bridge_components(X, metric, G, labels, n_comp, minimum_spanning_tree)
    D = shortest_path(G, method="D", directed=False)
    # Dijkstra from i and from j may round differently: make it exactly symmetric, in blocks
    step = max(1, (16 * 2**20) // (8 * N))
    for r in range(0, N, step):
        r1 = min(r + step, N)
        blk = np.minimum(D[r:r1, r:], D[r:, r:r1].T)
        D[r:r1, r:] = blk
        D[r:, r:r1] = blk.T
    np.fill_diagonal(D, 0.0)
    if unit != 1.0:
        return _scale_back(D, unit, np.dtype(np.float64))
    return D


def _bridge_components(X: Any, metric: str, G: Any, labels: np.ndarray, n_comp: int, mst: Any) -> Any:
    """Add the shortest edge between components along their minimum spanning tree."""
    import scipy.sparse as sp

    if metric == "precomputed":
        D = np.asarray(X, dtype=np.float64)

        def between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return D[np.ix_(a, b)]
    else:
        P = np.asarray(as_numpy(X), dtype=np.float64)

        def between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return pairwise_distances(P[a], P[b], metric=metric)

    members = [np.flatnonzero(labels == c) for c in range(n_comp)]
    W = np.zeros((n_comp, n_comp))
    for a in range(n_comp):
        for b in range(a + 1, n_comp):
            W[a, b] = max(float(between(members[a], members[b]).min()), 1e-300)
    T = mst(sp.csr_matrix(W)).tocoo()
    G = G.tolil()
    for a, b in zip(T.row, T.col):
        B = between(members[a], members[b])
        i, j = np.unravel_index(int(np.argmin(B)), B.shape)
        u, v = sorted((int(members[a][i]), int(members[b][j])))
        G[u, v] = B[i, j]
    return G.tocsr()


def dtm_weights(X: Any, k: int, *, metric: Metric = "euclidean", r: float = 2.0, device: Any = None,
                dtype: Any = np.float64) -> np.ndarray:
    """Distance-to-measure vertex weights for weighted Rips filtrations.

    ``w(x) = 2 * ((1 / (k + 1)) * sum_{i=1..k} d(x, x_i)^r)^(1/r)`` over the ``k``
    nearest neighbours ``x_i`` of ``x`` (``x`` itself counted in the ``k + 1``
    with distance 0), the empirical DTM of Anai et al. 2020 ("DTM-based
    filtrations") in the normalisation giotto-ph uses, so the result can be passed
    as ``gph.ripser_parallel(X, weights=w)``. Outliers get large weights and enter
    the filtration late.

    Parameters
    ----------
    X : array-like of shape (N, n_features), or (N, N) if precomputed
    k : int
        Neighbours, ``1 <= k < N``.
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
    r : float, default=2.0
        Power of the mean, ``r >= 1``.
    device : torch.device, str or None, default=None
        Find the neighbours with tiled torch kernels on this device
        (:func:`nearest_neighbors`); the weights are the CPU path's, bit for bit.
        ``None``: numpy and scikit-learn, no torch import. Not with ``metric='precomputed'``.
    dtype : {np.float64, np.float32}, default=np.float64
        Precision of the device tiles (the distances are re-measured in float64).

    Returns
    -------
    ndarray of shape (N,)

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import dtm_weights
    >>> dtm_weights(np.array([[0.0], [1.0], [2.0], [10.0]]), k=1)
    array([ 1.41421356,  1.41421356,  1.41421356, 11.3137085 ])
    """
    r = check_real(r, name="r", min_value=1.0)
    _, dist, _ = _knn(X, k, metric, device=device, dtype=dtype)
    top = float(dist.max(initial=0.0))
    pos = dist[dist > 0]
    low = float(pos.min()) if pos.size else 1.0
    unit = 1.0
    if top > 0 and (r * np.log2(top) > 1000 or r * np.log2(low) < -1000):  # d**r would leave float64: scale
        unit = _landmarks.pow2_unit(top)
    return 2.0 * (((dist / unit) ** r).sum(axis=1) / (dist.shape[1] + 1)) ** (1.0 / r) * unit


# -- per-sample clouds --------------------------------------------------------------------
def sample_clouds(
    A: Any,
    *,
    mask: Any = None,
    layout: Literal["auto", "tokens", "spatial"] = "auto",
) -> list[np.ndarray]:
    """One point cloud per sample from activations captured with ``reduce="none"``.

    * ``(n, T, D)`` tokens (``layout='tokens'``): the ``T`` token vectors of a
      sample are its points; with ``mask`` (e.g. a Hugging Face
      ``attention_mask``), tokens where ``mask[i, t] == 0`` are dropped.
    * ``(n, H*W, C)`` spatial positions (``layout='spatial'``): each position's
      channel vector is a point (same arithmetic as tokens).
    * ``(n, C, H, W)`` feature maps (PyTorch's channels-first layout,
      ``layout='spatial'`` or ``'auto'``): become ``(H*W, C)`` clouds, position
      ``(h, w)`` at row ``h * W + w``; ``mask`` may then be ``(n, H, W)`` or ``(n, H*W)``.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n, T, D) or (n, C, H, W)
    mask : array-like of shape (n, T) (or (n, H, W)), optional
        Non-zero entries mark the points kept.
    layout : {'auto', 'tokens', 'spatial'}, default='auto'
        ``'auto'`` reads 3-D input as tokens/positions and 4-D as feature maps.

    Returns
    -------
    list of ndarray, the i-th of shape (n_points_i, n_features)
        Copies, float32 or float64 as given (other dtypes become float64).

    Raises
    ------
    ValueError
        Wrong number of dimensions for the layout, a mask of the wrong shape, a
        sample whose mask keeps no point, NaN/inf values.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import sample_clouds
    >>> A = np.arange(12.0).reshape(2, 3, 2)
    >>> [c.shape for c in sample_clouds(A, mask=[[1, 1, 0], [1, 1, 1]])]
    [(2, 2), (3, 2)]
    """
    layout = check_choice(layout, name="layout", choices=("auto", "tokens", "spatial"))
    arr = as_numpy(A, name="A")
    shape = arr.shape
    if arr.ndim not in (3, 4) or (layout == "tokens" and arr.ndim != 3):
        want = "(n, T, D)" if layout == "tokens" else "(n, T, D), (n, H*W, C) or (n, C, H, W)"
        raise ValueError(
            f"A must have shape {want} for layout={layout!r}, got shape {arr.shape}. Capture with "
            "reduce='none' to keep per-sample structure."
        )
    if 0 in shape:
        raise ValueError(
            f"A must hold at least one sample, one point and one feature per point, got shape {shape}."
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim == 4:
        n, C, H, W = arr.shape
        arr = arr.reshape(n, C, H * W).transpose(0, 2, 1)
    n, P, _ = arr.shape
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=(1, 2)))
        raise ValueError(f"A has NaN or infinite values in samples {_list_rows(bad)}.")
    if mask is None:
        return [np.ascontiguousarray(arr[i]) for i in range(n)]
    m = as_numpy(mask, name="mask")
    if m.shape[0] != n or m.size != n * P:
        raise ValueError(f"mask must have shape ({n}, {P}) to match A of shape {shape}, got {m.shape}.")
    keep = m.reshape(n, P) != 0
    empty = np.flatnonzero(~keep.any(axis=1))
    if empty.size:
        raise ValueError(f"mask keeps no point in samples {_list_rows(empty)}; drop those samples first.")
    return [np.ascontiguousarray(arr[i][keep[i]]) for i in range(n)]


def feature_map_images(A: Any, *, channels: Literal["mean", "max", "norm"] | int = "mean") -> np.ndarray:
    """Feature maps ``(n, C, H, W)`` as one ``(H, W)`` image per sample, for cubical persistence.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n, C, H, W)
    channels : {'mean', 'max', 'norm'} or int, default='mean'
        Channel mean, channel maximum, euclidean norm over channels, or one channel.

    Returns
    -------
    ndarray of shape (n, H, W), float64

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.clouds import feature_map_images
    >>> feature_map_images(np.ones((2, 3, 4, 5)), channels=0).shape
    (2, 4, 5)
    """
    arr = as_numpy(A, name="A").astype(np.float64, copy=False)
    if arr.ndim != 4:
        raise ValueError(f"A must be feature maps of shape (n, C, H, W), got shape {arr.shape}.")
    if 0 in arr.shape:
        raise ValueError(f"A must have at least one sample, channel, row and column, got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError("A contains NaN or infinite values.")
    if isinstance(channels, str):
        channels = check_choice(channels, name="channels", choices=("mean", "max", "norm"))
        if channels == "mean":
            return arr.mean(axis=1)
        if channels == "max":
            return arr.max(axis=1)
        return np.sqrt((arr**2).sum(axis=1))
    c = check_int(channels, name="channels", min_value=-arr.shape[1], max_value=arr.shape[1] - 1)
    return np.ascontiguousarray(arr[:, c])
