"""The exact k nearest neighbours behind :mod:`tda_nn.clouds`: candidates from any engine, the answer in float64.

:func:`tda_nn.clouds.nearest_neighbors` (and ``knn_geodesic``, ``dtm_weights``) ask an
engine for candidates (scikit-learn's trees here, :class:`tda_nn.nn.kernels.KnnSearch`
on a device) and decide the neighbours here: every candidate is re-measured in
float64, one feature at a time, and a row's answer stands only when no row outside its
candidates can tie or beat its k-th neighbour. Which engine proposed, and how it broke
ties, never changes the answer.

Floor: numeric core (numpy, scikit-learn; :mod:`tda_nn._landmarks` for the row scaling).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _landmarks

__all__: list[str] = []


def _rows_as_measured(S: np.ndarray, metric: str) -> np.ndarray:
    """The float64 rows whose euclidean distances the metric is a function of (unit rows for cosine/correlation)."""
    P = S.astype(np.float64)
    if metric in ("cosine", "correlation"):
        P = P / _landmarks.row_units(S)[:, None]
        if metric == "correlation":
            P = P - P.mean(axis=1, keepdims=True)
        P = P / np.sqrt(np.einsum("ij,ij->i", P, P))[:, None]
    return P


def _sq_between(PT: np.ndarray, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Squared distances ``|p_i - p_j|^2`` of rows to their candidates, one feature at a time.

    ``PT`` is the transposed cloud. Each entry is the same sequence of float64
    operations wherever it sits in ``cand``, so every path that measures a pair
    gets the same bits.
    """
    out = np.zeros(cand.shape)
    for col in PT:
        diff = col[rows][:, None] - col[cand]
        diff *= diff
        out += diff
    return out


class _SklearnSearch:
    """:class:`tda_nn.nn.kernels.KnnSearch`'s contract from scikit-learn's trees (the CPU path)."""

    def __init__(self, P: np.ndarray) -> None:
        from sklearn.neighbors import NearestNeighbors

        P = P - P.mean(axis=0)
        self.P = P
        norm = np.sqrt(np.einsum("ij,ij->i", P, P))
        # the brute engine's expansion (chosen by 'auto' in high dimension) rounds by this much
        self.tol = 4.0 * (P.shape[1] + 2) * np.finfo(np.float64).eps * (norm + norm.max()) ** 2
        self.nn = NearestNeighbors(algorithm="auto").fit(P)

    def search(self, rows: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.P)
        d, ind = self.nn.kneighbors(self.P[rows], n_neighbors=c + 1)
        drop = ind == rows[:, None]  # the row itself, where the engine returned it ...
        drop[~drop.any(axis=1), -1] = True  # ... else the farthest: c others are kept either way
        cand = ind[~drop].reshape(len(rows), c)
        if c == n - 1:
            return cand, np.full(len(rows), np.inf)
        return cand, d[:, -1] ** 2 - self.tol[rows]  # everything not returned lies at least this far


def _knn_of_matrix(D: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other rows from a distance matrix, by (distance, index) as for points."""
    N = len(D)
    ind = np.empty((N, k), dtype=np.int64)
    dist = np.empty((N, k))
    step = max(1, (1 << 22) // N)
    for r0 in range(0, N, step):
        B = np.array(D[r0:r0 + step], dtype=np.float64)
        B[np.arange(len(B)), np.arange(r0, r0 + len(B))] = -1.0  # each row its own first, even among duplicates
        kth = np.partition(B, k, axis=1)[:, k]
        r, c = np.nonzero(B <= kth[:, None])  # at least k + 1 per row, more where ties cross the k-th
        v = B[r, c]
        order = np.lexsort((c, v, r))
        r, c, v = r[order], c[order], v[order]
        at = np.searchsorted(r, np.arange(len(B)))[:, None] + np.arange(1, k + 1)  # skip the row itself
        ind[r0:r0 + len(B)], dist[r0:r0 + len(B)] = c[at], v[at]
    return ind, dist


def _certified_knn(P: np.ndarray, k: int, search: Any) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other rows of every row of ``P`` by (float64 squared distance, index).

    ``search(rows, c)`` proposes ``c`` candidates per row and a lower bound on the
    squared distance of every other row. The candidates are measured here; a row's
    answer stands when its k-th distance lies below that bound (so no row outside
    could tie or beat it), and the other rows are searched again with twice the
    candidates (at most all rows). Which engine proposed, and how it broke ties,
    therefore never changes the answer.
    """
    N, dim = P.shape
    PT = np.ascontiguousarray(P.T)
    slack = 1.0 - 4.0 * (dim + 2) * np.finfo(np.float64).eps  # the float64 measurement's own rounding
    ind = np.empty((N, k), dtype=np.int64)
    sq = np.empty((N, k))
    todo = np.arange(N)
    c = min(N - 1, k + max(4, k // 4))
    while todo.size:
        step = max(1, (1 << 22) // c)  # candidates held at once
        left = []
        for s in range(0, len(todo), step):
            rows = todo[s:s + step]
            cand, bound = search.search(rows, c)
            e2 = _sq_between(PT, rows, cand)
            order = np.lexsort((cand, e2), axis=1)[:, :k]
            cand, e2 = np.take_along_axis(cand, order, 1), np.take_along_axis(e2, order, 1)
            ok = (e2[:, -1] < bound * slack) | ~np.isfinite(bound)
            ind[rows[ok]], sq[rows[ok]] = cand[ok], e2[ok]
            left.append(rows[~ok])
        todo = np.concatenate(left)
        c = min(N - 1, 2 * c)
    return ind, sq
