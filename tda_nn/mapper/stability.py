"""How much of a Mapper graph survives resampling, and a resolution for the cover chosen from the data.

Both after Carriere, Michel and Oudot, "Statistical analysis and parameter selection for
Mapper", JMLR 19 (2018).

**Resolution rule** (:func:`resolution_cover`, their section 5). The scale of the sample is
``delta``: the mean, over ``n_subsamples`` random subsets of size
``s(n) = n / (log n)^(1 + beta)``, of the Hausdorff distance between the sample and the subset.
The resolution ``r_j`` of lens dimension ``j`` is the largest jump ``|f_j(x) - f_j(y)|`` over
pairs of samples closer than ``delta``; intervals of length at least ``r_j`` with gain ``g``
(overlap fraction, their ``g`` in ``(1/3, 1/2)``) keep every ``delta``-close pair inside a common
interval. In kepler-mapper's convention an interval has length ``R / (n (1 - g))`` for a lens
range ``R``, hence ``n = max(1, floor(R / (r (1 - g))))`` intervals.

**Bootstrap** (:func:`bootstrap`). The paper bootstraps the extended persistence diagram of the
graph; here the graph itself is resampled and every feature is followed: ``n_resamples`` times,
draw a subsample (``fraction`` of the samples, without replacement: a draw with replacement keeps
only about 63% distinct samples, and its repeated samples are zero-length merges that shift the
single-linkage histogram the default clusterer cuts), rebuild the graph with the *same* cover intervals (fitted on
the full lens) and clusterer, and match each original node to the node of the same cover
element whose members overlap its surviving members most (Jaccard at least ``match``). Reported
frequencies:

* a node survives when it has a match;
* an edge survives when both ends have matches that are joined;
* a component survives when its matched nodes form one component that holds no matched node of
  another original component;
* a loop (a cycle of a fundamental cycle basis of the graph) survives when its image closes
  and is not null: every edge ``(a, b)`` of the loop becomes a shortest path between the matches
  of ``a`` and ``b`` through resampled nodes of the two cover elements of ``a`` and ``b``, and the
  closed walk these paths form uses some edge an odd number of times (a non-zero class in the
  graph's first homology with Z/2 coefficients; a walk that only backtracks has class zero).

The distributions of the numbers of components and of loops over the resamples are kept too.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..validation import check_int, check_points, check_probability, check_real
from .cover import Cover, as_cover, check_lens

__all__ = ["GraphStability", "bootstrap", "resolution_cover", "sample_scale"]

_SUBSET = 20_000


def sample_scale(X: Any, *, n_subsamples: int = 10, beta: float = 0.001, seed: int | None = 0) -> float:
    """``delta``: mean Hausdorff distance between ``X`` and its random subsets of size ``n / (log n)^(1+beta)``."""
    from sklearn.neighbors import NearestNeighbors

    X = check_points(X, name="X", min_points=3)
    n_subsamples = check_int(n_subsamples, name="n_subsamples", min_value=1)
    beta = check_real(beta, name="beta", min_value=0.0)
    n = X.shape[0]
    s = max(1, min(n, int(n / math.log(n) ** (1.0 + beta))))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_subsamples):
        S = X[rng.choice(n, s, replace=False)]
        d, _ = NearestNeighbors(n_neighbors=1).fit(S).kneighbors(X)
        out.append(float(d.max()))
    return float(np.mean(out))


def resolution_cover(
    X: Any,
    lens: Any,
    *,
    gain: float = 0.4,
    n_subsamples: int = 10,
    beta: float = 0.001,
    max_intervals: int = 50,
    seed: int | None = 0,
) -> Cover:
    """The cover chosen by Carriere, Michel and Oudot's rule (module docstring).

    Above 20,000 samples the scale and the jumps are measured on a random subset of 20,000.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    lens : array-like of shape (n_samples,) or (n_samples, n_dims)
    gain : float, default=0.4
        Overlap fraction of consecutive intervals (the paper asks for 1/3 < g < 1/2).
    max_intervals : int, default=50
        Cap on intervals per dimension (a warning says when it binds).

    Returns
    -------
    Cover
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_points(X, name="X", min_points=3)
    Z = check_lens(lens, X.shape[0])
    gain = check_probability(gain, name="gain")
    max_intervals = check_int(max_intervals, name="max_intervals", min_value=1)
    if X.shape[0] > _SUBSET:
        pick = np.random.default_rng(seed).choice(X.shape[0], _SUBSET, replace=False)
        Xs, Zs = X[pick], Z[pick]
    else:
        Xs, Zs = X, Z
    delta = sample_scale(Xs, n_subsamples=n_subsamples, beta=beta, seed=seed)
    nn = NearestNeighbors(radius=delta).fit(Xs)
    jump = np.zeros(Z.shape[1])
    step = 2000
    for a in range(0, Xs.shape[0], step):
        for i, nb in enumerate(nn.radius_neighbors(Xs[a : a + step], return_distance=False), start=a):
            if nb.size:
                jump = np.maximum(jump, np.abs(Zs[nb] - Zs[i]).max(axis=0))
    ranges = Z.max(axis=0) - Z.min(axis=0)
    ns = []
    for R, r in zip(ranges, jump):
        n = max_intervals if r == 0 else max(1, int(math.floor(R / (r * (1.0 - gain)))))
        if n > max_intervals:
            warnings.warn(
                f"the resolution rule asks for {n} intervals on a lens dimension; capped at max_intervals="
                f"{max_intervals}.",
                RuntimeWarning,
                stacklevel=2,
            )
            n = max_intervals
        ns.append(n)
    return Cover(ns[0] if len(ns) == 1 else tuple(ns), gain)


@dataclass(frozen=True)
class GraphStability:
    """How often each feature of a Mapper graph survived resampling.

    Attributes
    ----------
    node_frequency : ndarray of shape (n_nodes,)
    edge_frequency : ndarray of shape (n_edges,)
        In the order of ``graph.edges``.
    component_frequency : ndarray of shape (n_components,)
        Indexed by ``graph.node_components()``.
    loops : tuple of tuple of int
        A basis of the graph's loops, each as the indices of its edges.
    loop_frequency : ndarray of shape (n_loops,)
    n_components : ndarray of shape (n_resamples,)
        Components of each resampled graph.
    n_loops : ndarray of shape (n_resamples,)
    n_resamples : int
    level : float
        The frequency at which a feature counts as stable.
    """

    node_frequency: np.ndarray
    edge_frequency: np.ndarray
    component_frequency: np.ndarray
    loops: tuple
    loop_frequency: np.ndarray
    n_components: np.ndarray
    n_loops: np.ndarray
    n_resamples: int
    level: float

    @property
    def stable_nodes(self) -> np.ndarray:
        return np.flatnonzero(self.node_frequency >= self.level)

    @property
    def stable_edges(self) -> np.ndarray:
        return np.flatnonzero(self.edge_frequency >= self.level)

    @property
    def stable_components(self) -> np.ndarray:
        return np.flatnonzero(self.component_frequency >= self.level)

    @property
    def stable_loops(self) -> np.ndarray:
        return np.flatnonzero(self.loop_frequency >= self.level)

    def __repr__(self) -> str:
        return (
            f"GraphStability(resamples={self.n_resamples}, level={self.level}: nodes {self.stable_nodes.size}/"
            f"{self.node_frequency.size}, edges {self.stable_edges.size}/{self.edge_frequency.size}, components "
            f"{self.stable_components.size}/{self.component_frequency.size}, loops {self.stable_loops.size}/"
            f"{self.loop_frequency.size})"
        )


def cycle_basis(n_nodes: int, edges: np.ndarray) -> list[list[int]]:
    """A fundamental cycle basis: for every edge off a spanning forest, the edge indices of its cycle."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (i, j) in enumerate(edges.tolist()):
        adj[i].append((j, e))
        adj[j].append((i, e))
    parent = [-1] * n_nodes
    parent_edge = [-1] * n_nodes
    depth = [-1] * n_nodes
    tree = set()
    for root in range(n_nodes):
        if depth[root] >= 0:
            continue
        depth[root] = 0
        stack = [root]
        while stack:
            a = stack.pop()
            for b, e in adj[a]:
                if depth[b] < 0:
                    depth[b], parent[b], parent_edge[b] = depth[a] + 1, a, e
                    tree.add(e)
                    stack.append(b)
    cycles = []
    for e, (i, j) in enumerate(edges.tolist()):
        if e in tree:
            continue
        path = [e]
        a, b = i, j
        while a != b:
            if depth[a] >= depth[b]:
                path.append(parent_edge[a])
                a = parent[a]
            else:
                path.append(parent_edge[b])
                b = parent[b]
        cycles.append(path)
    return cycles


def _path(src: int, dst: int, allowed: set, adj: dict) -> list[int] | None:
    """Shortest path src -> dst through nodes in ``allowed`` (breadth first), as a node list."""
    if src == dst:
        return [src]
    prev = {src: src}
    frontier = [src]
    while frontier:
        nxt = []
        for a in frontier:
            for b in adj.get(a, ()):
                if b in allowed and b not in prev:
                    prev[b] = a
                    if b == dst:
                        out = [b]
                        while out[-1] != src:
                            out.append(prev[out[-1]])
                        return out[::-1]
                    nxt.append(b)
        frontier = nxt
    return None


def _loop_survives(cycle: list, graph: Any, g: Any, partner: np.ndarray, adj: dict) -> bool:
    odd: set = set()
    for e in cycle:
        a, b = (int(x) for x in graph.edges[e])
        pa, pb = int(partner[a]), int(partner[b])
        if pa < 0 or pb < 0:
            return False
        cubes = {graph.cubes[a], graph.cubes[b]}
        allowed = {j for j, c in enumerate(g.cubes) if c in cubes}
        path = _path(pa, pb, allowed, adj)
        if path is None:
            return False
        for x, y in zip(path[:-1], path[1:]):
            odd ^= {(min(x, y), max(x, y))}
    return bool(odd)


def bootstrap(
    X: Any,
    graph: Any,
    *,
    n_resamples: int = 30,
    fraction: float = 0.8,
    match: float = 0.5,
    level: float = 0.9,
    seed: int | None = 0,
) -> GraphStability:
    """Resample ``X`` and count how often each node, edge, component and loop of ``graph`` survives.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data ``graph`` was built from.
    graph : MapperGraph
        Built by :func:`tda_nn.mapper` on ``X`` (its lens, cover and clusterer are reused; a
        clusterer given as an object is rebuilt from its ``repr``-free parameters by cloning
        :func:`tda_nn.mapper.clustering.default_clusterer` unless ``graph.params`` holds
        ``'clusterer_object'``).
    n_resamples : int, default=30
    fraction : float, default=0.8
        Share of the samples in each resample, drawn without replacement.
    match : float, default=0.5
        Jaccard overlap that matches an original node to a resampled one.
    level : float, default=0.9
        Frequency at which a feature is reported stable.

    Returns
    -------
    GraphStability
    """
    from .clustering import cluster_labels, default_clusterer, min_cluster_samples
    from .graph import MapperGraph, _components

    X = check_points(X, name="X", min_points=3)
    if not isinstance(graph, MapperGraph):
        raise TypeError(f"graph must be a MapperGraph, got {type(graph).__name__}.")
    if graph.n_samples != X.shape[0] or graph.lens is None:
        raise ValueError(
            f"graph must be built by tda_nn.mapper on X ({X.shape[0]} samples, lens kept), got a graph of "
            f"{graph.n_samples} samples{' without its lens' if graph.lens is None else ''}."
        )
    n_resamples = check_int(n_resamples, name="n_resamples", min_value=1)
    fraction = check_probability(fraction, name="fraction")
    match = check_probability(match, name="match", inclusive=True)
    level = check_probability(level, name="level", inclusive=True)
    cover = as_cover(tuple(graph.params["cover"].values()))
    clusterer = graph.params.get("clusterer_object") or default_clusterer()
    min_samples = int(graph.params.get("min_samples", min_cluster_samples(clusterer)))
    Z = graph.lens
    coords = cover.coordinates(Z)
    bounds = cover._bounds(coords)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    comp = graph.node_components()
    loops = cycle_basis(graph.n_nodes, graph.edges)
    node_hits = np.zeros(graph.n_nodes)
    edge_hits = np.zeros(graph.n_edges)
    comp_hits = np.zeros(graph.n_components)
    loop_hits = np.zeros(len(loops))
    b0, b1 = [], []
    by_cube: dict = {}
    for i, c in enumerate(graph.cubes):
        by_cube.setdefault(c, []).append(i)
    for _ in range(n_resamples):
        draw = np.sort(rng.choice(n, max(2, int(round(fraction * n))), replace=False))
        present = np.zeros(n, dtype=bool)
        present[draw] = True
        # the resampled pre-images, with the full data's intervals
        members, cubes = [], []
        for key in by_cube:
            inside = np.ones(draw.size, dtype=bool)
            for j, k in enumerate(key):
                lo, hi = bounds[j][0][k], bounds[j][1][k]
                inside &= (coords[draw, j] >= lo) & (coords[draw, j] <= hi)
            idx = draw[inside]
            if idx.size < min_samples:
                continue
            labels = cluster_labels(clusterer, X[idx])
            for c in np.unique(labels):
                if c >= 0:
                    members.append(idx[labels == c])
                    cubes.append(key)
        g = MapperGraph.from_members(members, n, cubes=cubes)
        b0.append(g.n_components)
        b1.append(g.n_loops)
        # match every original node within its cover element
        partner = np.full(graph.n_nodes, -1)
        new_by_cube: dict = {}
        for j, c in enumerate(g.cubes):
            new_by_cube.setdefault(c, []).append(j)
        for i, m in enumerate(graph.members):
            kept = m[present[m]]
            if kept.size == 0:
                continue
            best, best_j = 0.0, -1
            for j in new_by_cube.get(graph.cubes[i], []):
                inter = np.intersect1d(kept, g.members[j], assume_unique=True).size
                jac = inter / (kept.size + g.members[j].size - inter)
                if jac > best:
                    best, best_j = jac, j
            if best >= match and best_j >= 0:
                partner[i] = best_j
        node_hits += partner >= 0
        new_edges = {(int(a), int(b)) for a, b in g.edges}
        ok_edge = np.zeros(graph.n_edges, dtype=bool)
        for e, (a, b) in enumerate(graph.edges.tolist()):
            pa, pb = partner[a], partner[b]
            ok_edge[e] = pa >= 0 and pb >= 0 and (pa == pb or (min(pa, pb), max(pa, pb)) in new_edges)
        edge_hits += ok_edge
        new_comp = _components(g.n_nodes, g.edges)
        for c in range(graph.n_components):
            mine = partner[(comp == c) & (partner >= 0)]
            if mine.size == 0:
                continue
            theirs = partner[(comp != c) & (partner >= 0)]
            cs = np.unique(new_comp[mine])
            if cs.size == 1 and not np.isin(new_comp[theirs], cs).any():
                comp_hits[c] += 1
        adj: dict = {}
        for a, b in g.edges.tolist():
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        for li, cyc in enumerate(loops):
            loop_hits[li] += _loop_survives(cyc, graph, g, partner, adj)
    B = float(n_resamples)
    return GraphStability(
        node_hits / B, edge_hits / B, comp_hits / B, tuple(tuple(c) for c in loops), loop_hits / B,
        np.asarray(b0), np.asarray(b1), n_resamples, level,
    )
