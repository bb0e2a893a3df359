"""Clustering inside a pre-image: single linkage cut at the first gap of its merge heights.

The default clusterer of :func:`tda_nn.mapper` is :class:`SingleLinkageGap`, the rule of the
Mapper paper (Singh, Memoli, Carlsson 2007, section 3.2): build the single-linkage tree of the
pre-image, take the histogram of its merge heights (the edge lengths of the Euclidean minimum
spanning tree) in ``n_bins`` equal bins, and cut the tree at the lower edge of the first empty
bin: two points are in one cluster when a chain of edges shorter than that edge joins them. A
histogram without an empty bin means no gap, hence one cluster.

:func:`default_clusterer` is the one place that names the default, so a calibrated cluster test
can replace the rule without touching the Mapper code.

The minimum spanning tree is exact and never needs a matrix of all pairs for a large pre-image:
up to ``dense_max`` points it runs Prim's algorithm on the pre-image's distance matrix; above,
Boruvka's algorithm whose "nearest point in another component" queries are answered from each
point's k nearest neighbours when they can be, and by a blocked search otherwise (a point whose k
nearest neighbours all lie in its own component is searched only when its k-th distance is below
its component's best candidate edge, since no nearer outside point can exist).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from ..validation import check_int, check_points, check_real

__all__ = ["cluster_labels", "min_cluster_samples", "SingleLinkageGap", "default_clusterer", "emst", "gap_threshold"]

_BLOCK = 1 << 22  # entries of one distance block (32 MiB of float64)


def default_clusterer() -> Any:
    """The clusterer :func:`tda_nn.mapper` uses when none is given (single linkage, first histogram gap)."""
    return SingleLinkageGap()


def _sqdist_block(A: np.ndarray, sqA: np.ndarray, B: np.ndarray, sqB: np.ndarray) -> np.ndarray:
    D = sqA[:, None] + sqB[None, :] - 2.0 * (A @ B.T)
    np.maximum(D, 0.0, out=D)
    return D


def _prim_dense(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = X.shape[0]
    # distances by one matrix product on the centred points (BLAS; scipy's cdist is a plain loop)
    Xc = X - X.mean(axis=0)
    sq = np.einsum("ij,ij->i", Xc, Xc)
    D = np.sqrt(_sqdist_block(Xc, sq, Xc, sq))
    in_tree = np.zeros(m, dtype=bool)
    in_tree[0] = True
    best = D[0].copy()
    parent = np.zeros(m, dtype=np.int64)
    best[0] = np.inf
    u = np.empty(m - 1, dtype=np.int64)
    v = np.empty(m - 1, dtype=np.int64)
    w = np.empty(m - 1)
    for k in range(m - 1):
        j = int(np.argmin(best))
        u[k], v[k], w[k] = parent[j], j, best[j]
        in_tree[j] = True
        best[j] = np.inf
        closer = (D[j] < best) & ~in_tree
        best[closer] = D[j][closer]
        parent[closer] = j
    return u, v, w


def _knn(X: np.ndarray, sq: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k nearest other points of every point (sorted by distance), by blocks of rows."""
    m = X.shape[0]
    idx = np.empty((m, k), dtype=np.int64)
    dist = np.empty((m, k))
    step = max(1, _BLOCK // m)
    for a in range(0, m, step):
        b = min(m, a + step)
        # |x_j|^2 - 2 x_i.x_j orders row i like the distances (|x_i|^2 is added back to the k kept)
        P = X[a:b] @ X.T
        P *= -2.0
        P += sq[None, :]
        P[np.arange(b - a), np.arange(a, b)] = np.inf
        part = np.argpartition(P, k - 1, axis=1)[:, :k]
        pd = np.take_along_axis(P, part, axis=1)
        order = np.argsort(pd, axis=1)
        idx[a:b] = np.take_along_axis(part, order, axis=1)
        dist[a:b] = np.sqrt(np.maximum(np.take_along_axis(pd, order, axis=1) + sq[a:b, None], 0.0))
    return idx, dist


def _find(root: np.ndarray, a: int) -> int:
    """The root of ``a`` in a union-find forest, halving the path on the way."""
    while root[a] != a:
        root[a] = root[root[a]]
        a = root[a]
    return a


def _boruvka(X: np.ndarray, k: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = X.shape[0]
    k = min(k, m - 1)
    # centred, in the input's precision (float32 activations: float32 products, twice as fast)
    Xw = X - X.mean(axis=0)
    sq = np.einsum("ij,ij->i", Xw, Xw)
    nn_idx, nn_dist = _knn(Xw, sq, k)
    comp = np.arange(m)
    n_comp = m
    us, vs = [], []
    rows = np.arange(m)
    step = max(1, _BLOCK // m)
    while n_comp > 1:
        other = comp[nn_idx] != comp[:, None]
        has = other.any(axis=1)
        first = other.argmax(axis=1)
        cand_d = np.where(has, nn_dist[rows, first], np.inf)
        cand_j = nn_idx[rows, first]
        best = np.full(n_comp, np.inf)
        np.minimum.at(best, comp, cand_d)
        need = ~has & (nn_dist[:, -1] < best[comp])
        # the component with the most points to search is left out when another component makes
        # progress this round: its lightest edge is found from the other side or in a later round
        counts = np.bincount(comp[need], minlength=n_comp)
        if counts.any():
            big = int(counts.argmax())
            if np.isfinite(best).any() or (counts > 0).sum() > 1:
                need &= comp != big
        need = np.flatnonzero(need)
        for a in range(0, need.size, step):
            q = need[a : a + step]
            D = _sqdist_block(Xw[q], sq[q], Xw, sq)
            D[comp[q][:, None] == comp[None, :]] = np.inf
            j = np.argmin(D, axis=1)
            cand_j[q] = j
            cand_d[q] = np.sqrt(D[np.arange(q.size), j])
        # the lightest candidate edge of every component that has one
        found = np.isfinite(cand_d)
        order = np.lexsort((cand_d, comp))
        order = order[found[order]]
        firsts = order[np.r_[True, comp[order][1:] != comp[order][:-1]]] if order.size else order
        # join them, skipping an edge whose ends a tie already joined this round
        root = np.arange(n_comp)
        for p in firsts:
            a, b = _find(root, comp[p]), _find(root, comp[cand_j[p]])
            if a != b:
                root[a] = b
                us.append(p)
                vs.append(cand_j[p])
        roots = np.array([_find(root, c) for c in range(n_comp)])
        _, comp = np.unique(roots[comp], return_inverse=True)
        n_comp = int(comp.max()) + 1
    u = np.asarray(us, dtype=np.int64)
    v = np.asarray(vs, dtype=np.int64)
    diff = X[u].astype(np.float64) - X[v].astype(np.float64)
    w = np.sqrt((diff**2).sum(axis=1))
    return u, v, w


def emst(X: Any, *, dense_max: int = 2500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Euclidean minimum spanning tree of the rows of ``X``: edges ``(u, v, length)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    dense_max : int, default=2500
        Up to this many points, Prim's algorithm on the distance matrix; above, Boruvka with
        k-nearest-neighbour candidates (memory linear in ``n_samples``), whose distance blocks are
        computed on the centred points in the input's precision: for float32 input the tree is
        minimal up to float32 rounding of nearly tied distances (the lengths returned are float64).

    Returns
    -------
    u, v : ndarray of shape (n_samples - 1,)
        End points of the tree's edges.
    length : ndarray of shape (n_samples - 1,)
        Euclidean lengths (the single-linkage merge heights, in the order found).

    Examples
    --------
    >>> import numpy as np
    >>> u, v, w = emst(np.array([[0.0], [1.0], [3.0]]))
    >>> sorted(w.tolist())
    [1.0, 2.0]
    """
    X = check_points(X, name="X", min_points=1)
    dense_max = check_int(dense_max, name="dense_max", min_value=2)
    if X.shape[0] == 1:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0)
    if X.shape[0] <= dense_max:
        return _prim_dense(X.astype(np.float64))
    return _boruvka(X)


def gap_threshold(heights: np.ndarray, n_bins: int) -> float:
    """The lower edge of the first empty bin of the histogram of ``heights`` (``inf`` if none)."""
    h = np.asarray(heights, dtype=np.float64)
    if h.size == 0 or h.max() == h.min():
        return np.inf
    counts, edges = np.histogram(h, bins=n_bins)
    empty = np.flatnonzero(counts == 0)
    return float(edges[empty[0]]) if empty.size else np.inf


def _components(m: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    G = coo_matrix((np.ones(u.size), (u, v)), shape=(m, m))
    return connected_components(G, directed=False)[1]


class SingleLinkageGap(ClusterMixin, BaseEstimator):
    """Single-linkage clustering cut at the first empty bin of the merge-height histogram.

    The rule of Singh, Memoli and Carlsson (2007): clusters are the parts of the single-linkage
    tree joined below the lower edge of the first empty bin of the histogram of merge heights
    (``n_bins`` equal bins from the lowest to the highest merge); no empty bin gives one cluster.
    Parts with fewer than ``min_points`` samples are labelled noise (-1).

    Parameters
    ----------
    n_bins : int or 'auto', default=3
        Bins of the merge-height histogram (``'auto'``: Sturges, ``ceil(log2(n - 1)) + 1``).
        Few bins make the rule look for a large gap: on noisy circles, figure-eights and
        Gaussian blobs (``benchmarks/bench_mapper.py --rule``) 5 or 10 bins split noisy
        pre-images into fragments that add false components and break loops.
    min_points : int, default=3
        Parts of the cut smaller than this are noise (label -1, no node): isolated tail
        samples otherwise become one-sample nodes and false components.
    min_cluster_size : float, default=0.0
        The same as a fraction of the pre-image (the larger of the two applies).
    dense_max : int, default=2500
        Pre-images up to this size use a distance matrix; larger ones a k-nearest-neighbour
        Boruvka tree (see :func:`emst`).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each sample, numbered from 0 in order of first appearance; -1 for noise.
    threshold_ : float
        The cut height (``inf`` when the histogram has no gap).
    heights_ : ndarray of shape (n_samples - 1,)
        Merge heights, ascending.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    >>> SingleLinkageGap().fit_predict(X)[[0, 19, 20, 39]].tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, n_bins: int | str = 3, min_points: int = 3, min_cluster_size: float = 0.0, dense_max: int = 2500):
        self.n_bins = n_bins
        self.min_cluster_size = min_cluster_size
        self.min_points = min_points
        self.dense_max = dense_max

    def fit(self, X: Any, y: Any = None) -> SingleLinkageGap:
        X = check_points(X, name="X", min_points=1)
        u, v, w = emst(X, dense_max=self.dense_max)
        if isinstance(self.n_bins, str) and self.n_bins == "auto":
            n_bins = int(np.ceil(np.log2(max(w.size, 1)))) + 1
        else:
            n_bins = check_int(self.n_bins, name="n_bins", min_value=1)
        thr = gap_threshold(w, n_bins)
        keep = w < thr
        labels = _components(X.shape[0], u[keep], v[keep])
        mcs = check_real(self.min_cluster_size, name="min_cluster_size", min_value=0.0)
        least = max(check_int(self.min_points, name="min_points", min_value=1), int(np.ceil(mcs * X.shape[0])))
        counts = np.bincount(labels)
        small = counts[labels] < max(least, 1)
        big = labels[~small]
        _, first = np.unique(big, return_index=True)
        rank = np.full(counts.size, -1, dtype=np.int64)
        rank[np.unique(big)] = np.argsort(np.argsort(first))
        self.labels_ = rank[labels]
        self.threshold_ = thr
        self.heights_ = np.sort(w)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_


def min_cluster_samples(clusterer: Any) -> int:
    """Smallest pre-image a user-given clusterer is run on (kepler-mapper 2.1's rule).

    The first positive integer among the clusterer's ``n_clusters``, ``min_cluster_size`` and
    ``min_samples`` parameters, else 2. Smaller pre-images give no node.
    """
    params = clusterer.get_params() if hasattr(clusterer, "get_params") else {}
    for name in ("n_clusters", "min_cluster_size", "min_samples"):
        value = params.get(name)
        if value and isinstance(value, int) and not isinstance(value, bool):
            return value
    return 2


def cluster_labels(clusterer: Any, Y: np.ndarray) -> np.ndarray:
    if hasattr(clusterer, "fit_predict"):
        return np.asarray(clusterer.fit_predict(Y))
    return np.asarray(clusterer.fit(Y).labels_)
