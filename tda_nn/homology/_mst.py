"""Exact H0 without a distance matrix: the minimum spanning tree by Borůvka's rounds.

H0 of a Vietoris-Rips filtration is single linkage: its finite deaths are the
edge lengths of a minimum spanning tree of the complete graph on the points. A
tree needs no ``n x n`` matrix. Borůvka's algorithm joins every component to
its nearest point outside it, round after round (at most ``log2 n`` rounds);
each round is a search "nearest point of another component" that runs here as
tiles of GEMM-shaped distance blocks, ``tile x tile`` at a time, so memory is
``O(n d + tile^2)``.

Three things keep it fast and exact:

- **Cached candidates.** Once computed, a point's nearest point outside its
  component stays the nearest as long as that point is still outside: the
  outside only shrinks as components merge. A stale candidate (its point has
  joined us) still bounds the new answer from below, so a point is searched
  again only when that bound is below the best candidate its component already
  has. The largest component is never searched (every other component still
  merges, so the number of components at least halves each round).
- **float64 decides.** A tile holds ``|y|^2 - 2 x.y`` from one float32 BLAS
  call (``|x|^2`` is constant along a row; float32 doubles the BLAS rate and
  halves the memory traffic); every column within the rounding bound ``tol`` of
  the tile's row minimum is re-measured as ``sqrt(sum((x - y)^2))`` in float64,
  and only re-measured values are compared across tiles and components. The true nearest point is always among the
  re-measured ones, so the tree is exact; ties are broken by the smallest index.
- **Both cores.** Row blocks run on a thread pool with one BLAS thread each
  (numpy releases the GIL), or through :func:`tda_nn.parallel.pmap` when a
  joblib backend such as Dask is configured (``n_jobs=None`` inside
  ``joblib.parallel_config``), so the tiles of one cloud can run on a cluster.

**Low intrinsic dimension.** The tiles cost ``O(n d)`` per searched row whatever the
cloud; at 10^6 points that is an hour. The same rounds run over a k-d tree instead
(:mod:`._mst_tree`: every point's 4 nearest neighbours once, then lower bounds and
exact settling of the rows the cache cannot answer) when a probe on a subsample
predicts it faster by a margin (``method='auto'``). A k-d tree splits along the
coordinate axes, so it pays when the ambient dimension is low as well as the
intrinsic one: an 8-D latent in 16-D takes the tree, the same latent in 64-D and
a Gaussian cloud in 64-D take the tiles (measured in :func:`use_tree`).

Cosine distance is ``1 - cos = |u - v|^2 / 2`` on unit rows: the tree of the
normalised rows under the Euclidean metric is the cosine tree, with weights
``e^2 / 2``. Any other scipy metric runs the same rounds with ``cdist`` tiles
(exact, slower). Measurements: ``benchmarks/bench_h0.py``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["h0_diagram", "mst_edges", "spanning_tree"]

from ..budgets import MST_TILE_COLS as _TILE_COLS
from ..budgets import MST_TILE_ROWS as _TILE_ROWS
from ..budgets import MST_TREE_MIN_POINTS
from . import _mst_tree

# rounding of |y|^2 - 2 x.y (inputs rounded to the tile precision, then one dot product of
# length d + 1) is below (d + 4) u (|x| + |y|)^2 with u = eps / 2; the candidates kept lie within
# _TOL_FACTOR * (d + 2) * eps * (|x| + max |y|)^2 of the row minimum, at least twice that bound
_TILE_DTYPE = np.float32
_TOL_FACTOR = 4.0


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    if np.any(norms == 0):
        raise ValueError(f"X has {int(np.sum(norms == 0))} all-zero rows; the cosine distance is undefined for them.")
    return X / norms[:, None]


class _Search:
    """Nearest point of another component, for a set of rows, over column tiles."""

    def __init__(self, X: np.ndarray, metric: str) -> None:
        self.X = X
        self.metric = metric
        self.gemm = metric == "euclidean"
        if self.gemm:
            # the tiles only compare: the cloud is divided by a power of two near its largest |value| (exact),
            # so float32 squares of a cloud at 1e30 do not overflow, nor at 1e-30 underflow; exact() measures X
            top = float(np.abs(X).max(initial=0.0))
            X = X / float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1)) if 0.0 < top < np.inf else X
            sq = np.einsum("ij,ij->i", X, X)
            # rows [x, 1] against columns [-2 y; |y|^2]: one BLAS call gives |y|^2 - 2 x.y
            # float32 tiles: twice the BLAS rate and half the traffic; the tolerance below covers their
            # rounding (and the rounding of the inputs to float32), and float64 re-measures every candidate
            self.lhs = np.ascontiguousarray(np.c_[X, np.ones(len(X))], dtype=_TILE_DTYPE)
            self.rhs = np.ascontiguousarray(np.r_[-2.0 * X.T, sq[None, :]], dtype=_TILE_DTYPE)
            self.tol_scale = _TOL_FACTOR * (X.shape[1] + 2) * np.finfo(_TILE_DTYPE).eps
            self.norm = np.sqrt(sq)
            self.max_norm = float(self.norm.max(initial=0.0))

    def exact(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """float64 distances of the pairs (i, j), measured directly."""
        if self.gemm:
            return _mst_tree.pair_distances(self.X, i, j)
        from scipy.spatial.distance import cdist

        out = np.empty(len(i))
        for s in range(0, len(i), 4096):
            a, b = self.X[i[s:s + 4096]], self.X[j[s:s + 4096]]
            out[s:s + 4096] = [cdist(a[k:k + 1], b[k:k + 1], metric=self.metric)[0, 0] for k in range(len(a))]
        return out

    def rows(self, rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each row's two nearest points with another label: ``(d1, j1, d2, j2)``.

        ``d1, j1``: the nearest (inf, -1 when none); ``d2``: a lower bound on every
        other point with another label, held exactly by ``j2`` when ``j2 >= 0``.
        Every distance is a float64 re-measurement; ties go to the smaller index.
        """
        n = self.X.shape[0]
        k = len(rows)
        b1d, b2d = np.full(k, np.inf), np.full(k, np.inf)
        b1j, b2j = np.full(k, -1, dtype=np.int64), np.full(k, -1, dtype=np.int64)
        lab_r = None if labels is None else labels[rows]  # None: every point is its own component
        Xr = self.lhs[rows] if self.gemm else self.X[rows]
        at = np.arange(k)
        if self.gemm:
            tol = (self.tol_scale * (self.norm[rows] + self.max_norm) ** 2).astype(_TILE_DTYPE)
        for c0 in range(0, n, _TILE_COLS):
            c1 = min(n, c0 + _TILE_COLS)
            if self.gemm:
                G = Xr @ self.rhs[:, c0:c1]
            else:
                from scipy.spatial.distance import cdist

                G = cdist(Xr, self.X[c0:c1], metric=self.metric)
            if lab_r is None:  # only a row's own column is inside its component
                own = np.flatnonzero((rows >= c0) & (rows < c1))
                G[own, rows[own] - c0] = np.inf
            else:
                G[lab_r[:, None] == labels[c0:c1]] = np.inf
            arg = G.argmin(axis=1)
            m1 = G[at, arg]
            ok = np.isfinite(m1)
            if not ok.any():
                continue
            G[at, arg] = np.inf
            arg2 = G.argmin(axis=1)
            m2 = G[at, arg2]
            G[at, arg] = m1
            fin2 = np.isfinite(m2)
            slack = tol if self.gemm else 0.0
            thr = np.where(fin2, m2, m1) + slack
            # every column within the rounding bound of the second minimum holds one of the two nearest:
            # usually the two minima alone
            near = np.count_nonzero(G <= thr[:, None], axis=1)
            simple = np.flatnonzero(ok & (near <= 2))
            two = simple[fin2[simple]]
            ri, ci = np.r_[simple, two], np.r_[arg[simple], arg2[two]]
            tie = np.flatnonzero(ok & (near > 2))
            if len(tie):
                ti, tc = np.nonzero(G[tie] <= thr[tie][:, None])
                ri, ci = np.r_[ri, tie[ti]], np.r_[ci, tc]
            j = ci + c0
            d = self.exact(rows[ri], j) if self.gemm else G[ri, ci]
            # merge with the two best so far, per row: (distance, index) smallest first
            seen = np.unique(ri)
            have1, have2 = seen[b1j[seen] >= 0], seen[b2j[seen] >= 0]
            ri = np.r_[ri, have1, have2]
            d = np.r_[d, b1d[have1], b2d[have2]]
            j = np.r_[j, b1j[have1], b2j[have2]]
            order = np.lexsort((j, d, ri))
            ri, d, j = ri[order], d[order], j[order]
            pos = np.arange(len(ri))
            start = np.ones(len(ri), dtype=bool)
            start[1:] = ri[1:] != ri[:-1]
            rank = pos - np.maximum.accumulate(np.where(start, pos, 0))
            b2d[seen], b2j[seen] = np.inf, -1
            f, s2 = rank == 0, rank == 1
            b1d[ri[f]], b1j[ri[f]] = d[f], j[f]
            b2d[ri[s2]], b2j[ri[s2]] = d[s2], j[s2]
        if not self.gemm:  # cdist tiles keep the nearest only: the bound below the others is d1
            b2d, b2j = np.where(b1j >= 0, b1d, np.inf), np.full(k, -1, dtype=np.int64)
        return b1d, b1j, b2d, b2j


def _search_block(item: tuple[np.ndarray, np.ndarray], *, search: _Search) -> tuple[np.ndarray, ...]:
    rows, labels = item
    return search.rows(rows, labels)


def _find(parent: np.ndarray) -> np.ndarray:
    """Roots of every node (full path compression, vectorised)."""
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent[:] = grand


def mst_edges(
    X: np.ndarray,
    *,
    metric: str = "euclidean",
    n_jobs: int | None = -1,
    use_pmap: bool = False,
    stats: dict[str, Any] | None = None,
    search: Any = None,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A minimum spanning tree of the rows of ``X``; repeated rows join their first copy at length 0.

    The tile search below assumes distinct points (20,000 copies of one point took 33 s
    there), so it runs on the distinct rows, in their order of appearance (ties keep the
    smaller index), and every repeat is joined to the first row equal to it by an edge of
    length 0, first in the sorted order.
    """
    X = np.ascontiguousarray(X)
    if X.ndim == 2 and len(X) > 1 and X.shape[1] > 0:
        rows = X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        if len(first) < len(X):
            keep = np.sort(first)
            if len(keep) == 1:
                i = j = np.empty(0, dtype=np.int64)
                w = np.empty(0)
            else:
                i, j, w = _distinct_mst_edges(X[keep], metric=metric, n_jobs=n_jobs, use_pmap=use_pmap,
                                              stats=stats, search=search, method=method)
                i, j = keep[i], keep[j]
            rep = first[inverse.ravel()]
            dup = np.flatnonzero(rep != np.arange(len(X)))
            return (np.concatenate([rep[dup], i]).astype(np.int64), np.concatenate([dup, j]).astype(np.int64),
                    np.concatenate([np.zeros(len(dup)), w]))
    return _distinct_mst_edges(X, metric=metric, n_jobs=n_jobs, use_pmap=use_pmap, stats=stats, search=search,
                               method=method)


def _distinct_mst_edges(
    X: np.ndarray,
    *,
    metric: str = "euclidean",
    n_jobs: int | None = -1,
    use_pmap: bool = False,
    stats: dict[str, Any] | None = None,
    search: Any = None,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A minimum spanning tree of the complete graph on the (distinct) rows of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Validated finite points.
    metric : str, default='euclidean'
        ``'euclidean'`` and ``'cosine'`` run on GEMM tiles; any other scipy metric
        on ``cdist`` tiles.
    n_jobs : int or None, default=-1
        Threads for the tiles (``-1``: every core).
    use_pmap : bool, default=False
        Send the row blocks through :func:`tda_nn.parallel.pmap` (``n_jobs``
        forwarded: ``None`` defers to an enclosing ``joblib.parallel_config``,
        e.g. a Dask cluster).
    stats : dict or None
        When given, filled with ``rounds``, ``rows_searched``, ``search`` (``'tiles'``,
        ``'kd-tree'`` or ``'device'``) and, for the k-d tree, ``rows_resolved``.
    search : callable or None
        ``search(points) -> object`` with the methods ``rows(rows, labels)`` and
        ``exact(i, j)`` of the tile search (a device search from
        :mod:`tda_nn.nn.kernels`); ``None``: ``method`` picks a CPU search.
    method : {'auto', 'tiles', 'kd-tree'}, default='auto'
        The CPU search when ``search`` is None: GEMM tiles (``O(n)`` per row, any
        shape), or the k-d tree of :mod:`._mst_tree` (euclidean and cosine; fast at
        low intrinsic dimension). ``'auto'`` measures both on a subsample
        (:func:`use_tree`) from 20,000 points on; tiles through ``pmap``.

    Returns
    -------
    (i, j, w) : ndarrays of shape (n - 1,)
        Edges ``(i[k], j[k])`` of length ``w[k]`` (float64), sorted by length.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    cosine = metric == "cosine"
    if cosine:
        X = _unit_rows(X)
    if search is not None:
        if metric not in ("euclidean", "cosine"):
            raise ValueError(f"a device search computes euclidean and cosine trees, got metric={metric!r}.")
        search = search(X)
        n_jobs, use_pmap = 1, False  # the device runs the tiles; one host thread feeds it
        route = "device"
    else:
        if method not in ("auto", "tiles", "kd-tree"):
            raise ValueError(f"method must be 'auto', 'tiles' or 'kd-tree', got {method!r}.")
        euclid = metric in ("euclidean", "cosine")
        if method == "kd-tree" and not euclid:
            raise ValueError(f"method='kd-tree' computes euclidean and cosine trees, got metric={metric!r}.")
        tree = method == "kd-tree" or (method == "auto" and euclid and not use_pmap and use_tree(X))
        route = "kd-tree" if tree else "tiles"
        if tree:
            threads = (os.cpu_count() or 1) if n_jobs in (None, -1) else max(1, int(n_jobs))
            search, n_jobs, use_pmap = _mst_tree.TreeSearch(X, threads), 1, False
        else:
            search = _Search(X, "euclidean" if cosine else metric)
    parent = np.arange(n)
    # per point, from its last search: the nearest point outside its component (cand) and the second (cand2);
    # cand2_d bounds every outside point but cand from below, exactly held by cand2_j when >= 0
    cand_d, cand2_d = np.zeros(n), np.zeros(n)
    cand_j, cand2_j = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    edges_i: list[np.ndarray] = []
    edges_j: list[np.ndarray] = []
    rounds = searched = 0
    threads = (os.cpu_count() or 1) if n_jobs in (None, -1) else max(1, int(n_jobs))
    pool = ThreadPoolExecutor(threads) if threads > 1 and not use_pmap else None
    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1, user_api="blas") if pool is not None else None
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limit = None
    try:
        while True:
            labels = _find(parent).copy()
            roots, labels = np.unique(labels, return_inverse=True)
            n_comp = len(roots)
            if n_comp == 1:
                break
            rounds += 1
            v1 = (cand_j >= 0) & (labels[np.maximum(cand_j, 0)] != labels)
            v2 = ~v1 & (cand2_j >= 0) & (labels[np.maximum(cand2_j, 0)] != labels)
            valid = v1 | v2
            cur_d = np.where(v1, cand_d, cand2_d)  # exact where valid, a lower bound where stale
            cur_j = np.where(v1, cand_j, cand2_j)
            best = np.full(n_comp, np.inf)
            np.minimum.at(best, labels[valid], cur_d[valid])
            largest = int(np.argmax(np.bincount(labels, minlength=n_comp)))
            need = ~valid & (cur_d < best[labels]) & (labels != largest)
            rows = np.flatnonzero(need)
            searched += len(rows)
            if len(rows):
                lab = None if n_comp == n else labels  # the first round: singletons, no label compare
                blocks = [(rows[s:s + _TILE_ROWS], lab) for s in range(0, len(rows), _TILE_ROWS)]
                if use_pmap:
                    from ..parallel import pmap

                    out = pmap(_search_block, blocks, n_jobs=n_jobs, search=search)
                elif pool is not None and len(blocks) > 1:
                    out = list(pool.map(lambda b: search.rows(*b), blocks))
                else:
                    out = [search.rows(*b) for b in blocks]
                cand_d[rows] = np.concatenate([o[0] for o in out])
                cand_j[rows] = np.concatenate([o[1] for o in out])
                if len(out[0]) == 4:
                    cand2_d[rows] = np.concatenate([o[2] for o in out])
                    cand2_j[rows] = np.concatenate([o[3] for o in out])
                else:  # a search that keeps the nearest only (the device kernels)
                    cand2_d[rows], cand2_j[rows] = cand_d[rows], -1
                cur_d[rows], cur_j[rows] = cand_d[rows], cand_j[rows]
                valid[rows] = cand_j[rows] >= 0
            if hasattr(search, "resolve"):
                # a search may answer a row with a lower bound only (j = -1); a row whose bound is
                # below its component's best edge could still change the choice: settle it exactly
                best = np.full(n_comp, np.inf)
                np.minimum.at(best, labels[valid], cur_d[valid])
                stub = np.flatnonzero(~valid & (cur_d < best[labels]) & (labels != largest))
                if len(stub):
                    d1, j1, d2, j2 = search.resolve(stub, labels, best)
                    cand_d[stub], cand_j[stub], cand2_d[stub], cand2_j[stub] = d1, j1, d2, j2
                    cur_d[stub], cur_j[stub] = d1, j1
                    valid[stub] = j1 >= 0
                    if stats is not None:
                        stats["rows_resolved"] = stats.get("rows_resolved", 0) + len(stub)
            # each component (but the largest) takes its shortest outgoing edge: (distance, point, target) smallest
            pts = np.flatnonzero(valid & (labels != largest))
            order = np.lexsort((cur_j[pts], pts, cur_d[pts], labels[pts]))
            pts = pts[order]
            lab = labels[pts]
            first = np.ones(len(pts), dtype=bool)
            first[1:] = lab[1:] != lab[:-1]
            src = pts[first]
            dst = cur_j[src]
            w = cur_d[src]
            if not len(src):  # cannot happen with a correct search; a silent endless loop would be worse
                raise RuntimeError(f"the spanning tree's search found no edge out of {n_comp} components; "
                                   "please report this with the cloud's shape and scale.")
            # join in order of length, skipping an edge whose ends are already joined this round
            for k in np.argsort(w, kind="stable"):
                a, b = src[k], dst[k]
                ra, rb = a, b
                while parent[ra] != ra:
                    ra = parent[ra]
                while parent[rb] != rb:
                    rb = parent[rb]
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
                    edges_i.append(a)
                    edges_j.append(b)
    finally:
        if pool is not None:
            pool.shutdown()
        if limit is not None:
            limit.unregister() if hasattr(limit, "unregister") else limit.__exit__(None, None, None)
    i = np.asarray(edges_i, dtype=np.int64)
    j = np.asarray(edges_j, dtype=np.int64)
    w = search.exact(i, j) if len(i) else np.empty(0)
    if cosine:
        w = 0.5 * w * w
    order = np.argsort(w, kind="stable")
    if stats is not None:
        stats.update(rounds=rounds, rows_searched=int(searched), search=route)
    return i[order], j[order], w[order]


def use_tree(X: np.ndarray, min_points: int = MST_TREE_MIN_POINTS) -> bool:
    """Whether the k-d tree search is expected faster than the tiles on ``X`` (euclidean), with a 25% margin.

    Both costs are measured on subsamples, as CPU time of one thread (so a busy machine
    does not tilt the choice), and extrapolated to ``n``:

    - the tiles search about ``1.05 n`` rows against ``n`` columns: the time of the
      tiles' own search of 64 rows against the 16,384-point subsample, scaled by
      ``(n / 16384)^2``;
    - the tree asks every point's nearest neighbours once: the time of 64 such queries
      on trees of 2,048 and of 16,384 points gives the growth exponent ``a`` of the
      time per query (``0`` for a perfect tree, ``1`` when the tree visits every leaf,
      as in a Gaussian cloud in 64-D), and ``n`` queries cost ``n`` times the second
      time per query scaled by ``(n / 16384)^a``, and half as much again for the rounds'
      other work.

    The probe takes about a second at most and never changes the result, only its speed.
    """
    import time

    from scipy.spatial import cKDTree

    n = len(X)
    if n < min_points:
        return False
    rng = np.random.default_rng(0)
    s1, s2 = 2048, min(16_384, n)
    sub = X[np.sort(rng.choice(n, size=s2, replace=False))]
    probe = sub[rng.choice(s2, size=min(512, s2), replace=False)]

    def per_call(f: Any, items: int, budget: float = 0.03) -> float:
        # the median CPU time of this thread per call (a shared machine's other work does not count),
        # over calls until ``budget`` seconds are spent (3 at least); BLAS runs on this thread alone
        times: list[float] = []
        with _one_blas_thread():
            while len(times) < 3 or (sum(times) < budget and len(times) < items):
                t0 = time.thread_time()
                f(len(times) % items)
                times.append(time.thread_time() - t0)
        return max(float(np.median(times)), 1e-9)

    search = _Search(sub, "euclidean")
    block = np.arange(min(_TILE_ROWS, s2))
    t_row = per_call(lambda _: search.rows(block, None), 1, budget=0.0) / len(block)
    # about 1.05 n rows are searched in all, each against n columns, and the later rounds' label masks double
    # the first round's cost per row (measured at 10^5 points: 75 s of CPU against 36 s predicted without them)
    tiles = 2.1 * t_row * float(n) * (n / s2)
    chunks = [probe[c:c + 32] for c in range(0, len(probe), 32)]
    small = cKDTree(sub[:s1], leafsize=16, balanced_tree=False, compact_nodes=False)
    big = cKDTree(sub, leafsize=16, balanced_tree=False, compact_nodes=False)
    t1 = per_call(lambda c: small.query(chunks[c], k=_mst_tree.K_NEIGHBOURS + 1, workers=1), len(chunks)) / 32
    t2 = per_call(lambda c: big.query(chunks[c], k=_mst_tree.K_NEIGHBOURS + 1, workers=1), len(chunks)) / 32
    a = float(np.clip(np.log(t2 / t1) / np.log(s2 / s1), 0.0, 1.0)) if s2 > s1 else 1.0
    # every point's neighbours, and half as much again for the rounds' other work (measured at 10^5 points of
    # an 8-D latent: 9.3 s of CPU for the neighbours, 13.3 s in all)
    tree = 1.5 * t2 * n * (n / s2) ** a
    return tree < 0.75 * tiles


def _one_blas_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()


def h0_diagram(weights: np.ndarray, threshold: float = np.inf) -> np.ndarray:
    """The H0 diagram of a Rips filtration from its spanning tree's edge lengths.

    Every point is born at 0; each tree edge kills one component at its length
    (an edge longer than ``threshold`` never enters: that component lives for
    ever), and one component is never killed.
    """
    deaths = np.where(weights > threshold, np.inf, weights)
    out = np.zeros((len(weights) + 1, 2))
    out[:-1, 1] = deaths
    out[-1, 1] = np.inf
    return out


def spanning_tree(
    X: Any,
    *,
    metric: str = "euclidean",
    device: Any = None,
    dtype: Any = np.float64,
    n_jobs: int | None = -1,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An exact minimum spanning tree of a point cloud, without a distance matrix.

    Its edge lengths are the finite H0 deaths of the Rips filtration (single
    linkage); see the module docstring for the algorithm.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Finite points.
    metric : {'euclidean', 'cosine', 'cityblock', 'chebyshev'}, default='euclidean'
        Cosine distance is ``1 - cos`` (``|u - v|^2 / 2`` of unit rows).
    device : torch.device, str or None, default=None
        Run the tile search as torch kernels on this device
        (:class:`tda_nn.nn.kernels.DeviceSearch`; euclidean and cosine). ``None``:
        numpy on the CPU, with no torch import.
    dtype : {np.float64, np.float32}, default=np.float64
        Precision of the device tiles. Every comparison that picks an edge is
        re-measured in float64, so the tree and its lengths do not depend on it.
    n_jobs : int or None, default=-1
        Threads of the CPU tiles (``-1``: every core); ``None`` sends the row
        blocks through :func:`tda_nn.parallel.pmap` (e.g. a Dask cluster inside
        ``joblib.parallel_config(backend='dask')``).
    method : {'auto', 'tiles', 'kd-tree'}, default='auto'
        The CPU search (no ``device``): GEMM tiles, whose cost per point is ``O(n d)``
        whatever the cloud, or a k-d tree (:mod:`tda_nn.homology._mst_tree`; euclidean
        and cosine), whose cost falls with the intrinsic dimension. ``'auto'`` times
        both on a subsample from 20,000 points on and takes the tree when it is
        expected faster by a 25% margin. Both are exact: the lengths do not depend on it.

    Returns
    -------
    (i, j, w) : ndarrays of shape (n_points - 1,)
        Edge ``k`` joins rows ``i[k]`` and ``j[k]`` at length ``w[k]`` (float64);
        sorted by length.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.homology import spanning_tree
    >>> i, j, w = spanning_tree(np.array([[0.0], [1.0], [3.0]]))
    >>> w.tolist()
    [1.0, 2.0]
    """
    from ..validation import check_choice, check_points
    from ._precision import prepare_points

    metric = check_choice(metric, name="metric", choices=("euclidean", "cosine", "cityblock", "chebyshev"))
    method = check_choice(method, name="method", choices=("auto", "tiles", "kd-tree"))
    if method == "kd-tree" and metric not in ("euclidean", "cosine"):
        raise ValueError(f"method='kd-tree' computes euclidean and cosine trees, got metric={metric!r}.")
    if method != "auto" and device is not None:
        raise ValueError(f"method={method!r} picks a CPU search; a device runs its own tiles. Leave method='auto' "
                         "with device=.")
    P = prepare_points(check_points(X, name="X", min_points=1).astype(np.float64), metric)
    if len(P) == 1:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    search = device_search(device, dtype)
    if n_jobs is None:
        return mst_edges(P, metric=metric, n_jobs=None, use_pmap=True, search=search, method=method)
    return mst_edges(P, metric=metric, n_jobs=n_jobs, search=search, method=method)


def device_search(device: Any, dtype: Any = np.float64) -> Any:
    """The ``search`` factory of :func:`mst_edges` for a torch device (None for the numpy tiles)."""
    if device is None:
        return None
    import importlib

    kernels = importlib.import_module("tda_nn.nn.kernels")  # the torch wing, loaded only for a device
    kernels.device_of(device)  # a bad device is refused before any work, naming the argument
    return lambda pts: kernels.DeviceSearch(pts, device, dtype)
