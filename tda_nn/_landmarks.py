"""Engines behind :func:`tda_nn.clouds.landmarks`: max-min selection and covering radii.

Private module. Everything here works on validated input and never builds an
``n x n`` matrix: memory is O(n) beyond the input plus fixed-size chunks.

Max-min (farthest point) selection, exact and batched
-----------------------------------------------------
The textbook loop scans all ``n`` points once per landmark, so it reads the whole
cloud ``m`` times and is bound by memory bandwidth. We keep its output but batch
its work. Every point keeps ``dmin``, its squared distance to the nearest
landmark applied so far; these values only ever decrease. After a full pass we
take the ``B`` points with the largest ``dmin`` as *candidates* and note ``T``,
the largest ``dmin`` among the others. While the best candidate still has a value
``>= T`` it is the true farthest point (no other point can exceed ``T``), so we
select it and update only the ``B`` candidates (``B x d`` work). When the best
candidate drops below ``T`` we apply all landmarks chosen since the last pass to
every point at once, as one matrix product (compute-bound instead of
bandwidth-bound), and draw new candidates. The selected sequence is the max-min
sequence of the plain loop (up to floating-point ties).

Distances use ``|x|^2 + |l|^2 - 2 x.l`` on rows centred by the column mean (to
limit cancellation), in the input's precision; the covering radius reported at
the end is recomputed in float64 with direct differences
(:func:`scipy.spatial.distance.cdist`) for every point whose approximate value
lies within the rounding bound of the maximum, so it is exact to float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .validation import check_points

__all__: list[str] = []  # private engines; the public API is tda_nn.clouds

_CHUNK_BYTES = 4 * 2**20  # rows per chunk so one chunk of X is about 4 MiB
_CAND_BYTES = 64 * 2**20  # cap on the candidate block copied out of X


class _Rows:
    """The rows of ``X`` as the metric sees them, produced chunk by chunk.

    euclidean: ``x - mu``; cosine: ``x/|x| - mu``; correlation:
    ``(x - mean(x))/|x - mean(x)| - mu``; ``mu`` is the column mean of the
    transformed rows, subtracted to reduce cancellation. Squared distances between
    transformed rows are euclidean squared distances (cosine, correlation: twice
    the cosine / correlation distance).
    """

    def __init__(self, X: np.ndarray, metric: str):
        self.X = X
        self.n, self.dim = X.shape
        self.dtype = X.dtype
        self.chunk = max(64, _CHUNK_BYTES // max(1, self.dim * X.itemsize))
        self.offset: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        if metric in ("cosine", "correlation"):
            off = np.empty(self.n, np.float64) if metric == "correlation" else None
            norm = np.empty(self.n, np.float64)
            for s in range(0, self.n, self.chunk):
                c = X[s : s + self.chunk].astype(np.float64)
                if off is not None:
                    off[s : s + len(c)] = c.mean(axis=1)
                    c -= off[s : s + len(c), None]
                norm[s : s + len(c)] = np.sqrt(np.einsum("ij,ij->i", c, c))
            self.scale = (1.0 / norm).astype(self.dtype)
            self.offset = None if off is None else off.astype(self.dtype)
        self.mu = np.zeros(self.dim, self.dtype)
        total = np.zeros(self.dim, np.float64)
        for _s, c in self.chunks():
            total += c.sum(axis=0, dtype=np.float64)
        self.mu = (total / self.n).astype(self.dtype)
        self.sq = np.empty(self.n, self.dtype)
        for s, c in self.chunks():
            self.sq[s : s + len(c)] = np.einsum("ij,ij->i", c, c)
        # worst-case rounding of |a|^2 + |b|^2 - 2 a.b in this precision
        self.tol = 4.0 * (self.dim + 4) * np.finfo(self.dtype).eps * 2.0 * float(self.sq.max())

    def rows(self, idx: Any) -> np.ndarray:
        """Transformed rows ``idx`` (an index array or slice), as a new array."""
        c = np.array(self.X[idx], dtype=self.dtype, copy=True)
        if self.offset is not None:
            c -= self.offset[idx, None] if not isinstance(idx, slice) else self.offset[idx][:, None]
        if self.scale is not None:
            c *= self.scale[idx, None] if not isinstance(idx, slice) else self.scale[idx][:, None]
        c -= self.mu
        return c

    def chunks(self):
        for s in range(0, self.n, self.chunk):
            yield s, self.rows(slice(s, s + self.chunk))

    def update(self, dmin: np.ndarray, idx: np.ndarray) -> None:
        """``dmin = min(dmin, squared distance to the landmarks idx)``, one pass over X."""
        L = self.rows(idx)
        sqL = self.sq[idx]
        for s, c in self.chunks():
            G = c @ L.T
            G *= -2
            G += sqL
            best = G.min(axis=1)
            best += self.sq[s : s + len(c)]
            np.maximum(best, 0, out=best)
            np.minimum(dmin[s : s + len(c)], best, out=dmin[s : s + len(c)])


# -- the float range: clouds far from 1 are scaled by powers of two (exact) ---------------
def pow2_unit(top: float) -> float:
    """A power of two near ``top`` (1 for 0 or non-finite): dividing by it is exact in binary floats."""
    return float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1)) if top > 0 and np.isfinite(top) else 1.0


def safe_range(dtype: Any) -> float:
    """Coordinates in ``[1/L, L]`` for ``L = safe_range(dtype)`` square and sum without over- or underflow."""
    return 2.0 ** (np.finfo(dtype).maxexp // 3)


def row_units(X: np.ndarray) -> np.ndarray:
    """Per-row power-of-two units of the largest ``|value|`` (1 for zero rows), float64, shape ``(n,)``."""
    top = np.abs(X).max(axis=1).astype(np.float64) if X.shape[1] else np.zeros(len(X))
    e = np.frexp(top)[1]
    return np.where(top > 0, np.ldexp(1.0, e - 1), 1.0)


def in_range(X: np.ndarray, metric: str) -> tuple[np.ndarray, float]:
    """``X`` scaled into the safe float range when it lies outside it, and the unit of its distances.

    Squared distances of a cloud at 1e300 overflow and those of a cloud at 1e-300
    underflow (a covering radius of inf or 0, a NaN or zero matrix). Euclidean: ``X``
    divided by one power of two, distances to be multiplied back by it, so every
    result is what the unscaled arithmetic would give had it the range (the scaling
    commutes with IEEE rounding). Cosine and correlation are invariant under scaling
    a row: each row is divided by its own power of two and the unit is 1. Clouds
    already inside the range are returned as they are (no copy).
    """
    lim = safe_range(X.dtype)
    if metric == "euclidean":
        top = float(np.abs(X).max(initial=0.0))
        if top == 0.0 or 1.0 / lim <= top <= lim:
            return X, 1.0
        unit = pow2_unit(top)
        return (X / np.float64(unit)).astype(X.dtype, copy=False), unit
    units = row_units(X)
    if units.min() >= 1.0 / lim and units.max() <= lim:
        return X, 1.0
    return (X / units[:, None]).astype(X.dtype, copy=False), 1.0


def maxmin_numpy(X: np.ndarray, m: int, start: int, metric: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Max-min landmarks of a feature matrix; returns ``(indices, dmin, tol)``.

    ``dmin`` holds each point's approximate squared transformed distance to its
    nearest landmark, ``tol`` the rounding bound on those values.
    """
    R = _Rows(X, metric)
    n = R.n
    dmin = np.full(n, np.inf, dtype=R.dtype)
    chosen = [int(start)]
    applied = 0  # chosen[:applied] are already folded into dmin
    while True:
        R.update(dmin, np.asarray(chosen[applied:], dtype=np.intp))
        dmin[chosen] = -np.inf  # landmarks are known exactly: never chosen twice
        applied = len(chosen)
        if len(chosen) == m:
            break
        B = min(n, max(1024, 2 * (m - len(chosen))), max(64, _CAND_BYTES // max(1, R.dim * X.itemsize)))
        if B >= n:
            cand, T = np.arange(n), -np.inf
        else:
            part = np.argpartition(dmin, n - B - 1)
            cand, T = part[n - B :], float(dmin[part[n - B - 1]])
        C = R.rows(cand)
        sqc = R.sq[cand]
        dc = dmin[cand].astype(R.dtype, copy=True)
        while len(chosen) < m:
            j = int(np.argmax(dc))
            v = float(dc[j])
            if v < T or v == -np.inf:
                break
            chosen.append(int(cand[j]))
            dnew = C @ C[j]
            dnew *= -2
            dnew += sqc
            dnew += sqc[j]
            np.minimum(dc, dnew, out=dc)
            dc[j] = -np.inf
    return np.asarray(chosen, dtype=np.intp), dmin, R.tol


def sqdist_to_landmarks(X: np.ndarray, idx: np.ndarray, metric: str) -> tuple[np.ndarray, float]:
    """Approximate squared transformed distance of every point to its nearest landmark."""
    R = _Rows(X, metric)
    dmin = np.full(R.n, np.inf, dtype=R.dtype)
    step = max(1, (8 * 2**20) // max(1, R.chunk * X.itemsize))  # keep chunk x k under ~8 MiB
    for s in range(0, len(idx), step):
        R.update(dmin, idx[s : s + step])
    return dmin, R.tol


def exact_radius(X: np.ndarray, idx: np.ndarray, dmin: np.ndarray, tol: float, metric: str) -> float:
    """Covering radius ``max_x min_l d(x, l)`` in ``metric``, exact to float64.

    Only points whose approximate ``dmin`` lies within ``2 * tol`` of the maximum
    can hold the maximum; their distances are recomputed directly.
    """
    from scipy.spatial.distance import cdist

    top = float(dmin.max())
    if not top > 0:  # every point is a landmark (-inf) or within rounding of one
        top = 0.0
    cand = np.flatnonzero(dmin >= top - 2 * tol)
    L = np.asarray(X[idx], dtype=np.float64)
    radius = 0.0
    step = max(1, (32 * 2**20) // (8 * max(1, len(idx))))
    for s in range(0, len(cand), step):
        P = np.asarray(X[cand[s : s + step]], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            D = cdist(P, L, metric=metric)
        radius = max(radius, float(np.nan_to_num(D, nan=0.0).min(axis=1).max()))
    return max(radius, 0.0)


def maxmin_precomputed(D: np.ndarray, m: int, start: int) -> tuple[np.ndarray, float]:
    """Max-min on a distance matrix (rows read one at a time); returns ``(indices, radius)``."""
    n = D.shape[0]
    dmin = np.full(n, np.inf)
    chosen = [int(start)]
    np.minimum(dmin, D[start], out=dmin)
    dmin[start] = -np.inf
    while len(chosen) < m:
        j = int(np.argmax(dmin))
        chosen.append(j)
        np.minimum(dmin, D[j], out=dmin)
        dmin[j] = -np.inf
    idx = np.asarray(chosen, dtype=np.intp)
    return idx, float(D[:, idx].min(axis=1).max())


# -- tensors (tensor methods only: this module never imports torch) ---------------------------------
def _is_torch(X: Any) -> bool:
    return hasattr(X, "is_cuda") and hasattr(X, "device") and hasattr(X, "detach")


def _tensor_in_range(X: Any, metric: str) -> tuple[Any, float]:
    """:func:`in_range` for a tensor (on its device) or an array; ``X`` itself when nothing changes."""
    if metric == "precomputed":
        return X, 1.0
    if not _is_torch(X):
        A = check_points(X, name="X", min_points=1)
        S, unit = in_range(A, metric)
        return (X, 1.0) if S is A else (S, unit)
    # tensor methods only: this module never imports torch (the torch wing does)
    if X.is_meta or not X.is_floating_point() or X.ndim != 2 or X.numel() == 0 or not bool(X.isfinite().all()):
        return X, 1.0  # the kernels refuse these by name
    lim = safe_range(np.dtype(str(X.dtype).removeprefix("torch.")))
    Xd = X.detach()
    if metric == "euclidean":
        top = float(Xd.abs().max())
        if top == 0.0 or 1.0 / lim <= top <= lim:
            return X, 1.0
        unit = pow2_unit(top)
        return (Xd.double() / unit).to(X.dtype), unit
    top = Xd.abs().amax(dim=1).double()
    units = top.log2().floor().exp2().where(top > 0, top.new_ones(top.shape))
    if not bool(((top > 0) & ((top < 1.0 / lim) | (top > lim))).any()):
        return X, 1.0
    return (Xd.double() / units[:, None]).to(X.dtype), 1.0
