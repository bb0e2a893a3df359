"""The spanning tree's search on a k-d tree, for clouds of low intrinsic dimension.

:mod:`._mst` runs Borůvka's rounds over a *search*: for a set of rows, each row's
nearest point with another component label. The tiles there cost ``O(n)`` per
row whatever the shape of the cloud. Here the same question is answered from a
k-d tree (:class:`scipy.spatial.cKDTree`), whose cost per row falls with the
intrinsic dimension:

1. **The k nearest neighbours of every point, once** (``K_NEIGHBOURS = 4``). A
   row's nearest point outside its component is the first entry of its sorted list
   with another label; the list's last distance bounds every point not in it from
   below. Components only grow, so most rows answer from the cached list in every
   round without a new query.
2. **Rows the list cannot answer** (all its neighbours inside the component) return
   that lower bound instead of an answer. Only a row whose bound is below its
   component's best edge can change the round's choice; :meth:`TreeSearch.resolve`
   settles those rows exactly: queries of 64, then 512 neighbours within the
   component's best edge, and for the few rows still open (deep inside a large
   component far from the rest) a k-d tree of the points outside that component.

Distances are float64 (``sqrt`` of a sum of squares, as the tiles' re-measurement),
so the tree is exact; which of two tied edges is taken may differ from the tiles,
never the lengths. Measurements: ``benchmarks/bench_h0.py``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["K_NEIGHBOURS", "TreeSearch", "pair_distances"]


def pair_distances(X: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Euclidean float64 distances ``|X[i] - X[j]|``, as ``sqrt`` of a sum of squares, in chunks (no n x d temporary)."""
    out = np.empty(len(i))
    for s in range(0, len(i), 1 << 14):
        diff = X[i[s:s + (1 << 14)]] - X[j[s:s + (1 << 14)]]
        out[s:s + (1 << 14)] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out

# neighbours cached per point (12 bytes each: float64 distance, int32 index); 4 measured fastest at 10^5
# points of an 8-D latent (2: 10.1 s, 4: 7.3 s, 8: 10.3 s, 16: 23.8 s wall under load 3, the same tree)
K_NEIGHBOURS = 4
# relative slack added to a query radius, so a point exactly at the radius is never lost to rounding
_SLACK = 1e-9


class TreeSearch:
    """Nearest point with another label, from a k-d tree and a cache of k nearest neighbours."""

    def __init__(self, X: np.ndarray, threads: int = 1) -> None:
        from scipy.spatial import cKDTree

        self.X = X
        self.threads = max(1, int(threads))
        self.tree = cKDTree(X, leafsize=16, balanced_tree=False, compact_nodes=False)
        self.k = min(K_NEIGHBOURS, len(X) - 1)
        self._nd: np.ndarray | None = None
        self._nj: np.ndarray | None = None

    # -- the cache --------------------------------------------------------------------------------
    def _neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        if self._nd is None:
            d, j = self.tree.query(self.X, k=self.k + 1, workers=self.threads)
            d, j = d[:, 1:], j[:, 1:]  # drop the point itself (rows are distinct: it comes first at 0)
            # ties in (distance, index) order, so the smaller index wins as in the tiles
            order = _row_lexsort(d, j)
            self._nd = np.take_along_axis(d, order, axis=1)
            self._nj = np.take_along_axis(j, order, axis=1).astype(np.int32 if len(self.X) < 2**31 else np.int64)
        return self._nd, self._nj

    def exact(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """float64 distances of the pairs (i, j), measured directly."""
        return pair_distances(self.X, i, j)

    def rows(self, rows: np.ndarray, labels: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """``(d1, j1, d2, j2)`` as the tiles' search, or ``j1 = -1`` with ``d1 = d2`` a lower bound.

        A row whose cached neighbours all share its label cannot be answered here:
        it gets ``j1 = -1`` and the distance of its farthest cached neighbour, below
        which no point of another label lies.
        """
        nd, nj = self._neighbours()
        d, j = nd[rows], nj[rows]
        out = np.ones(d.shape, dtype=bool) if labels is None else labels[j] != labels[rows][:, None]
        has = out.any(axis=1)
        first = np.argmax(out, axis=1)
        at = np.arange(len(rows))
        out[at, first] = False
        has2 = out.any(axis=1)
        second = np.argmax(out, axis=1)
        last = d[:, -1]
        d1 = np.where(has, d[at, first], last)
        j1 = np.where(has, j[at, first], -1).astype(np.int64)
        d2 = np.where(has2, d[at, second], last)
        j2 = np.where(has2, j[at, second], -1).astype(np.int64)
        return d1, j1, d2, j2

    def resolve(self, rows: np.ndarray, labels: np.ndarray, bound: np.ndarray) -> tuple[np.ndarray, ...]:
        """Settle rows the cache could not: the nearest point with another label within ``bound``.

        ``bound[c]`` is component ``c``'s best edge so far (``inf`` when none). Each row
        gets its exact nearest point of another label when one lies within its
        component's bound, else ``j1 = -1`` and a lower bound no smaller than that
        bound, so the round's choice is exact either way. ``d2`` bounds every other
        point of another label from below, held exactly by ``j2 >= 0``.

        The rows are queried together with growing ``k`` (64, then 512) within the
        largest bound among them (a larger radius only returns more points), and a
        row is settled as soon as its list holds a point of another label, or ends
        inside the radius (every point within it was returned), or reaches past its
        own bound. Rows still open after that (deep inside a large component that is
        far from the rest) are settled per component by a k-d tree of the points
        outside it.
        """
        k = len(rows)
        d1, d2 = np.full(k, np.inf), np.full(k, np.inf)
        j1, j2 = np.full(k, -1, dtype=np.int64), np.full(k, -1, dtype=np.int64)
        own = labels[rows]
        b = bound[own]
        open_ = np.arange(k)
        n = len(self.X)
        for kk in (64, 512):
            if not len(open_):
                break
            kk = min(kk, n)
            finite = np.isfinite(b[open_])
            r = float(b[open_].max()) * (1 + _SLACK) if finite.all() else np.inf
            dd, jj = self.tree.query(self.X[rows[open_]], k=kk, distance_upper_bound=r, workers=self.threads)
            dd, jj = dd.reshape(len(open_), kk), jj.reshape(len(open_), kk)
            found = np.isfinite(dd)
            idx = np.where(found, jj, 0)
            other = found & (labels[idx] != own[open_][:, None])
            # every point not returned lies beyond the last returned distance, or beyond the radius
            tail = np.where(found[:, -1], dd[:, -1], r)
            settled = self._settle(open_, other, dd, idx, tail, b, d1, j1, d2, j2)
            open_ = open_[~settled]
        if len(open_):
            order = np.argsort(own[open_], kind="stable")
            cuts = np.flatnonzero(np.diff(own[open_][order])) + 1
            for group in np.split(open_[order], cuts):
                self._outside_tree(group, rows, labels, int(own[group[0]]), b, d1, j1, d2, j2)
        return d1, j1, d2, j2

    @staticmethod
    def _settle(at: np.ndarray, other: np.ndarray, dd: np.ndarray, idx: np.ndarray, tail: np.ndarray,
                b: np.ndarray, d1: np.ndarray, j1: np.ndarray, d2: np.ndarray, j2: np.ndarray) -> np.ndarray:
        """Write the rows ``at`` that a query settles; returns which did."""
        dd = np.where(other, dd, np.inf)
        o = _row_lexsort(dd, idx)
        dd, idx = np.take_along_axis(dd, o, axis=1), np.take_along_axis(idx, o, axis=1)
        h1 = np.isfinite(dd[:, 0])
        h2 = np.isfinite(dd[:, 1]) if dd.shape[1] > 1 else np.zeros(len(at), dtype=bool)
        # no point of another label below tail: settled when tail reaches the row's own bound
        settled = h1 | (tail >= b[at])
        lb = np.where(h1, dd[:, 0], np.minimum(tail, b[at]))
        d1[at] = np.where(settled, lb, d1[at])
        j1[at] = np.where(settled & h1, idx[:, 0], j1[at])
        # below the second: the next point of another label if returned, else the tail (after a first
        # one) or the row's lower bound (none returned)
        second = np.where(h2, dd[:, 1] if dd.shape[1] > 1 else tail, np.where(h1, tail, lb))
        d2[at] = np.where(settled, second, d2[at])
        j2[at] = np.where(settled & h2, idx[:, 1] if dd.shape[1] > 1 else -1, j2[at])
        return settled

    def _outside_tree(self, group: np.ndarray, rows: np.ndarray, labels: np.ndarray, c: int, b: np.ndarray,
                      d1: np.ndarray, j1: np.ndarray, d2: np.ndarray, j2: np.ndarray) -> None:
        """Settle the rows ``group`` of component ``c`` from a k-d tree of the points outside it."""
        from scipy.spatial import cKDTree

        outside = np.flatnonzero(labels != c)
        r = b[group[0]] * (1 + _SLACK) if np.isfinite(b[group[0]]) else np.inf
        sub = cKDTree(self.X[outside], leafsize=16, balanced_tree=False, compact_nodes=False)
        kk = min(2, len(outside))
        dd, jj = sub.query(self.X[rows[group]], k=kk, distance_upper_bound=r, workers=self.threads)
        dd, jj = dd.reshape(len(group), kk), jj.reshape(len(group), kk)
        found = np.isfinite(dd)
        idx = np.where(found, outside[np.minimum(jj, len(outside) - 1)], 0)
        tail = np.where(found[:, -1], dd[:, -1], r)
        settled = self._settle(group, found, dd, idx, tail, b, d1, j1, d2, j2)
        assert settled.all()  # every point outside is a point of another label: found, or beyond the bound


def _row_lexsort(d: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per row, the order of its entries by (distance, index)."""
    order = np.argsort(j, axis=1, kind="stable")
    d_by_j = np.take_along_axis(d, order, axis=1)
    second = np.argsort(d_by_j, axis=1, kind="stable")
    return np.take_along_axis(order, second, axis=1)


