"""``MapperGraph``: the nodes (clusters of pre-images), their members and the edges between them.

Two nodes are joined when they share at least one sample (the 1-skeleton of the nerve, as in
kepler-mapper's default ``GraphNerve(min_intersection=1)``); ``shared`` counts the samples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MapperGraph", "nerve_edges"]


def incidence(members: tuple[np.ndarray, ...], n_samples: int) -> Any:
    """Sparse (n_samples, n_nodes) 0/1 matrix: sample i is a member of node j."""
    from scipy.sparse import csr_matrix

    sizes = np.fromiter((m.size for m in members), dtype=np.int64, count=len(members))
    rows = np.concatenate(members) if members else np.empty(0, dtype=np.int64)
    cols = np.repeat(np.arange(len(members)), sizes)
    return csr_matrix((np.ones(rows.size, dtype=np.int64), (rows, cols)), shape=(n_samples, len(members)))


def nerve_edges(members: tuple[np.ndarray, ...], n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(E, 2)`` (``i < j``, sorted) between nodes sharing samples, and the shared counts."""
    if len(members) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    B = incidence(members, n_samples)
    C = (B.T @ B).tocoo()
    keep = C.row < C.col
    edges = np.c_[C.row[keep], C.col[keep]].astype(np.int64)
    shared = np.asarray(C.data[keep], dtype=np.int64)
    order = np.lexsort((edges[:, 1], edges[:, 0])) if edges.size else np.empty(0, dtype=np.int64)
    return edges[order].reshape(-1, 2), shared[order]


def _components(n_nodes: int, edges: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n_nodes == 0:
        return np.empty(0, dtype=np.int64)
    G = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes))
    return connected_components(G, directed=False)[1].astype(np.int64)


@dataclass(frozen=True, eq=False)
class MapperGraph:
    """A Mapper graph: nodes with their member samples, edges with their shared counts.

    Attributes
    ----------
    members : tuple of ndarray
        ``members[i]``: the sorted sample indices of node ``i``.
    cubes : tuple of tuple of int
        ``cubes[i]``: the cover element (interval indices, one per lens dimension) whose
        pre-image node ``i`` was clustered from.
    edges : ndarray of shape (n_edges, 2)
        Node pairs ``(i, j)``, ``i < j``, sharing at least one sample, sorted.
    shared : ndarray of shape (n_edges,)
        The number of samples each edge's nodes share.
    n_samples : int
        Samples in the data the graph was built from.
    lens : ndarray of shape (n_samples, n_dims) or None
        The lens values the cover sliced.
    params : dict
        How it was built: lens, cover, clusterer, min_samples.
    """

    members: tuple
    cubes: tuple
    edges: np.ndarray
    shared: np.ndarray
    n_samples: int
    lens: np.ndarray | None = None
    params: dict = field(default_factory=dict)

    @classmethod
    def from_members(cls, members: Any, n_samples: int, *, cubes: Any = None, lens: Any = None,
                     params: dict | None = None) -> MapperGraph:
        """Build the graph (edges and shared counts) from the member lists of its nodes."""
        mem = tuple(np.unique(np.asarray(m, dtype=np.int64)) for m in members)
        for i, m in enumerate(mem):
            if m.size and (m[0] < 0 or m[-1] >= n_samples):
                raise ValueError(f"members[{i}] must hold sample indices in [0, {n_samples}), got {m[0]}..{m[-1]}.")
        cubes = tuple(tuple(int(c) for c in cb) for cb in cubes) if cubes is not None else tuple(() for _ in mem)
        edges, shared = nerve_edges(mem, int(n_samples))
        for a in (edges, shared, *mem):
            a.flags.writeable = False
        return cls(mem, cubes, edges, shared, int(n_samples), lens, dict(params or {}))

    # sizes and topology
    @property
    def n_nodes(self) -> int:
        return len(self.members)

    @property
    def n_edges(self) -> int:
        return int(len(self.edges))

    @property
    def sizes(self) -> np.ndarray:
        """Members per node."""
        return np.fromiter((m.size for m in self.members), dtype=np.int64, count=self.n_nodes)

    def node_components(self) -> np.ndarray:
        """The connected component of every node, numbered from 0."""
        return _components(self.n_nodes, self.edges)

    @property
    def n_components(self) -> int:
        return int(self.node_components().max()) + 1 if self.n_nodes else 0

    @property
    def n_loops(self) -> int:
        """Independent loops of the graph (its first Betti number): ``E - V + C``."""
        return self.n_edges - self.n_nodes + self.n_components

    def triangles(self) -> np.ndarray:
        """Triples of nodes ``(i, j, k)``, ``i < j < k``, that share a sample: the nerve's 2-simplices."""
        from itertools import combinations

        nodes_of: list[list[int]] = [[] for _ in range(self.n_samples)]
        for i, m in enumerate(self.members):
            for s in m.tolist():
                nodes_of[s].append(i)
        tri = set()
        for ns in nodes_of:
            if len(ns) >= 3:
                tri.update(combinations(sorted(ns), 3))
        return np.array(sorted(tri), dtype=np.int64).reshape(-1, 3)

    @property
    def nerve_loops(self) -> int:
        """Independent loops of the nerve with its triangles filled (first Betti number over Z/2).

        With a lens of two or more dimensions, three nodes of overlapping cover elements that share
        a sample bound a triangle of the nerve: the graph counts it as a loop (``n_loops``), the
        nerve does not. With a 1-D lens and overlap below 1/2 no sample lies in three nodes and the
        two numbers agree.
        """
        T = self.triangles()
        if T.size == 0:
            return self.n_loops
        index = {(int(i), int(j)): e for e, (i, j) in enumerate(self.edges)}
        pivots: dict[int, int] = {}
        rank = 0
        for i, j, k in T.tolist():
            row = (1 << index[(i, j)]) | (1 << index[(i, k)]) | (1 << index[(j, k)])
            while row:
                top = row.bit_length() - 1
                if top not in pivots:
                    pivots[top] = row
                    rank += 1
                    break
                row ^= pivots[top]
        return self.n_loops - rank

    def covered(self) -> np.ndarray:
        """Boolean mask of the samples that belong to at least one node."""
        out = np.zeros(self.n_samples, dtype=bool)
        for m in self.members:
            out[m] = True
        return out

    def sample_components(self) -> np.ndarray:
        """The graph component of each sample (-1 for a sample in no node)."""
        comp = self.node_components()
        out = np.full(self.n_samples, -1, dtype=np.int64)
        for i, m in enumerate(self.members):
            out[m] = comp[i]
        return out

    def incidence(self) -> Any:
        """Sparse (n_samples, n_nodes) membership matrix."""
        return incidence(self.members, self.n_samples)

    def member_sets(self) -> list[frozenset]:
        """The nodes as sets of sample indices (order-free comparisons, e.g. with kepler-mapper)."""
        return [frozenset(m.tolist()) for m in self.members]

    def edge_sets(self) -> set[frozenset]:
        """The edges as unordered pairs of member sets."""
        ms = self.member_sets()
        return {frozenset((ms[i], ms[j])) for i, j in self.edges}

    def same_as(self, other: MapperGraph) -> bool:
        """Same nodes (as member sets, with multiplicity) and same edges, whatever the node order."""
        from collections import Counter

        return (
            Counter(self.member_sets()) == Counter(other.member_sets())
            and self.edge_sets() == other.edge_sets()
        )

    # conversions
    def to_networkx(self) -> Any:
        """A ``networkx.Graph``: node attributes ``members``, ``size``, ``cube``; edge attribute ``shared``."""
        from .._optional import import_optional

        nx = import_optional("networkx")
        G = nx.Graph(**{k: v for k, v in self.params.items() if isinstance(v, (str, int, float))})
        for i, m in enumerate(self.members):
            G.add_node(i, members=m.tolist(), size=int(m.size), cube=self.cubes[i])
        for (i, j), s in zip(self.edges.tolist(), self.shared.tolist()):
            G.add_edge(i, j, shared=s)
        return G

    def to_dict(self) -> dict:
        """JSON-safe dict: ``nodes`` (members, cube), ``edges`` ([i, j, shared]), ``n_samples``, ``params``."""
        return {
            "n_samples": self.n_samples,
            "nodes": [{"members": m.tolist(), "cube": list(c)} for m, c in zip(self.members, self.cubes)],
            "edges": [[int(i), int(j), int(s)] for (i, j), s in zip(self.edges, self.shared)],
            "params": json.loads(json.dumps({k: v for k, v in self.params.items() if k != "clusterer_object"},
                                            default=str)),
        }

    @classmethod
    def from_dict(cls, d: dict) -> MapperGraph:
        """Inverse of :meth:`to_dict` (edges are recomputed from the members and checked)."""
        if not isinstance(d, dict) or "nodes" not in d or "n_samples" not in d:
            raise ValueError("d must be a dict written by MapperGraph.to_dict (keys 'nodes', 'n_samples').")
        g = cls.from_members([n["members"] for n in d["nodes"]], int(d["n_samples"]),
                             cubes=[n.get("cube", ()) for n in d["nodes"]], params=d.get("params", {}))
        given = {(int(i), int(j), int(s)) for i, j, s in d.get("edges", [])}
        ours = {(int(i), int(j), int(s)) for (i, j), s in zip(g.edges, g.shared)}
        if "edges" in d and given != ours:
            raise ValueError("d['edges'] do not match the nodes' shared members.")
        return g

    def save_html(self, path: Any, *, labels: Any = None, color: Any = None, texts: Any = None,
                  predictions: Any = None, images: Any = None, title: str = "Mapper graph") -> Any:
        """Write the interactive offline page of this graph (see :func:`tda_nn.mapper.html.save_html`)."""
        from .html import save_html

        return save_html(self, path, labels=labels, color=color, texts=texts, predictions=predictions,
                         images=images, title=title)

    def __repr__(self) -> str:
        return (
            f"MapperGraph(nodes={self.n_nodes}, edges={self.n_edges}, components={self.n_components}, "
            f"loops={self.n_loops}, nerve_loops={self.nerve_loops}, samples={self.n_samples})"
        )
