"""gudhi: Rips on a SimplexTree (dense, sparse-matrix, sparse-Rips approximation), alpha, cubical."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["alpha_gudhi", "cubical_gudhi", "rips_gudhi"]


def _simplex_tree_from_edges(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
    import gudhi

    st = gudhi.SimplexTree()
    if len(vals):
        st.insert_batch(np.vstack([rows, cols]).astype(np.int64), vals.astype(np.float64))
    # vertices last: inserting an edge raises its vertices' filtration to the edge's
    st.insert_batch(np.arange(n, dtype=np.int64)[None, :], np.zeros(n))
    return st


def _intervals(st: Any, maxdim: int, coeff: int) -> list[np.ndarray]:
    st.compute_persistence(homology_coeff_field=coeff, min_persistence=-1.0, persistence_dim_max=True)
    return [np.asarray(st.persistence_intervals_in_dimension(d), dtype=np.float64).reshape(-1, 2) for d in range(maxdim + 1)]


def rips_gudhi(
    D: Any, *, maxdim: int, threshold: float, coeff: int, collapse_edges: bool, sparse: float | None,
) -> list[np.ndarray]:
    """Rips through gudhi's SimplexTree on a distance matrix (dense ndarray or COO).

    The flag complex is built from the edge list, optionally edge-collapsed
    (exact for persistence), then expanded to dimension ``maxdim + 1``. With
    ``sparse=eps`` gudhi's sparse Rips approximation is used instead.
    """
    import gudhi

    if sparse is not None:
        dense = D if isinstance(D, np.ndarray) else D.toarray()
        rc = gudhi.RipsComplex(distance_matrix=dense, max_edge_length=threshold, sparse=sparse)
        st = rc.create_simplex_tree(max_dimension=maxdim + 1)
        return _intervals(st, maxdim, coeff)
    if isinstance(D, np.ndarray):
        n = D.shape[0]
        rows, cols = np.triu_indices(n, k=1)
        vals = D[rows, cols]
    else:
        n = D.shape[0]
        keep = D.row < D.col
        rows, cols, vals = D.row[keep], D.col[keep], D.data[keep]
    ok = np.isfinite(vals) & (vals <= threshold)
    st = _simplex_tree_from_edges(n, rows[ok], cols[ok], vals[ok])
    if collapse_edges and maxdim >= 1:
        st.collapse_edges(-1)
    st.expansion(maxdim + 1)
    return _intervals(st, maxdim, coeff)


def alpha_gudhi(points: np.ndarray, *, maxdim: int, threshold: float, coeff: int) -> list[np.ndarray]:
    """Alpha complex; gudhi's squared radii a are reported as diameters 2 * sqrt(a)."""
    import gudhi

    ac = gudhi.AlphaComplex(points=points)
    kwargs = {} if not np.isfinite(threshold) else {"max_alpha_square": (threshold / 2.0) ** 2}
    st = ac.create_simplex_tree(**kwargs)
    dgms = _intervals(st, maxdim, coeff)
    return [2.0 * np.sqrt(np.maximum(d, 0.0)) for d in dgms]


def cubical_gudhi(image: np.ndarray, *, maxdim: int, coeff: int, periodic: bool) -> list[np.ndarray]:
    import gudhi

    if periodic:
        cc = gudhi.PeriodicCubicalComplex(top_dimensional_cells=image, periodic_dimensions=[True] * image.ndim)
    else:
        cc = gudhi.CubicalComplex(top_dimensional_cells=image)
    cc.compute_persistence(homology_coeff_field=coeff, min_persistence=-1.0)
    return [np.asarray(cc.persistence_intervals_in_dimension(d), dtype=np.float64).reshape(-1, 2) for d in range(maxdim + 1)]
