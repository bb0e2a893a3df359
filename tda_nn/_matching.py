"""Exact optimal partial matchings between the finite parts of two diagrams.

Private engine of :mod:`tda_nn.distances`. Inputs are finite ``(k, 2)`` float64
arrays of (birth, death) pairs, already validated; the diagonal may absorb any
point at the cost of its L^q distance to the diagonal.

Wasserstein
    The usual reduction pads both diagrams with diagonal copies and solves an
    ``(n + m) x (n + m)`` assignment. Writing ``c_ij`` for the pair cost and
    ``a_i``, ``b_j`` for the diagonal costs (all raised to the power p), an optimal
    partial matching costs ``sum(a) + sum(b) + min over matchings of
    sum(min(c_ij - a_i - b_j, 0))``: pairing ``i`` with ``j`` only pays off when it
    beats sending both to the diagonal. That is a rectangular ``n x m`` assignment
    on the clipped "savings" matrix (``scipy.optimize.linear_sum_assignment``),
    and rows or columns with no saving drop out before it runs.

Bottleneck
    The answer is one of the pair or diagonal costs. For a threshold t, points whose
    diagonal cost exceeds t ("heavy" points) must be matched across, the others may
    go to the diagonal, so t is feasible iff the bipartite graph of pairs with cost
    <= t has a matching covering every heavy point of both diagrams. By the
    Mendelsohn-Dulmage theorem such a matching exists iff one matching covers the
    heavy points of X and another covers those of Y, two Hopcroft-Karp runs
    (``scipy.sparse.csgraph.maximum_bipartite_matching``) on graphs far smaller than
    the padded one. A binary search over the sorted candidates between a lower bound
    (every point's cheapest option) and an upper bound (everything to the diagonal)
    finds the smallest feasible one; the lower bound is tested first (it is the
    answer for most pairs of real diagrams) and the search gallops up from it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bottleneck_cost", "diagonal_costs", "essential_cost", "pair_costs", "wasserstein_cost"]


def diagonal_costs(bars: np.ndarray, q: float) -> np.ndarray:
    """L^q distance of each (b, d) to the diagonal: ``(d - b) / 2 * 2**(1/q)``."""
    scale = 0.5 if np.isinf(q) else 0.5 * 2.0 ** (1.0 / q)
    return scale * (bars[:, 1] - bars[:, 0])


def pair_costs(X: np.ndarray, Y: np.ndarray, q: float) -> np.ndarray:
    """``(n, m)`` L^q distances between the points of X and Y (two 2-D ops, no 3-D temporaries)."""
    db = np.abs(X[:, 0, None] - Y[None, :, 0])
    dd = np.abs(X[:, 1, None] - Y[None, :, 1])
    if np.isinf(q):
        return np.maximum(db, dd, out=db)
    if q == 1.0:
        return np.add(db, dd, out=db)
    if q == 2.0:
        return np.hypot(db, dd, out=db)
    return (db**q + dd**q) ** (1.0 / q)


def wasserstein_cost(X: np.ndarray, Y: np.ndarray, p: float, q: float) -> float:
    """``W_p(X, Y)**p`` with L^q ground metric, for finite diagrams."""
    a = diagonal_costs(X, q) ** p
    b = diagonal_costs(Y, q) ** p
    total = float(a.sum() + b.sum())
    if len(X) == 0 or len(Y) == 0:
        return total
    C = pair_costs(X, Y, q)
    if p != 1.0:
        C **= p
    C -= a[:, None]
    C -= b[None, :]
    gain = C < 0.0
    rows = gain.any(axis=1)
    cols = gain.any(axis=0)
    if not rows.any():
        return total
    S = np.minimum(C[np.ix_(rows, cols)], 0.0)
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(S)
    return max(total + float(S[r, c].sum()), 0.0)


def _covers(edges: np.ndarray) -> bool:
    """True when the bipartite graph ``edges`` (rows x cols, bool) matches every row."""
    if edges.shape[0] == 0:
        return True
    if edges.shape[0] > edges.shape[1] or not edges.any(axis=1).all():
        return False
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    # CSR straight from the row-major nonzeros: scipy's dense -> sparse path costs more than the matching
    indices = np.nonzero(edges)[1].astype(np.int32)
    indptr = np.zeros(edges.shape[0] + 1, dtype=np.int32)
    np.cumsum(edges.sum(axis=1), out=indptr[1:])
    graph = csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=edges.shape)
    match = maximum_bipartite_matching(graph, perm_type="column")
    return bool((match >= 0).all())


def bottleneck_cost(X: np.ndarray, Y: np.ndarray, q: float = np.inf) -> float:
    """Exact bottleneck distance (L^q ground metric) between finite diagrams."""
    a = diagonal_costs(X, q)
    b = diagonal_costs(Y, q)
    if len(X) == 0 or len(Y) == 0:
        return float(max(a.max(initial=0.0), b.max(initial=0.0)))
    C = pair_costs(X, Y, q)
    hi = max(a.max(), b.max())  # everything to the diagonal
    lo = max(np.minimum(a, C.min(axis=1)).max(), np.minimum(b, C.min(axis=0)).max())
    if lo >= hi:
        return float(hi)

    def feasible(t: float) -> bool:
        edges = C <= t
        return _covers(edges[a > t]) and _covers(edges[:, b > t].T)

    # The lower bound is the answer most of the time (about 70% of pairs of random
    # 200-point diagrams): test it before sorting any candidates.
    if feasible(lo):
        return float(lo)
    cand = np.concatenate([C[(C > lo) & (C < hi)], a[(a > lo) & (a < hi)], b[(b > lo) & (b < hi)]])
    cand = np.unique(np.append(cand, hi))  # cand[-1] = hi is feasible
    # galloping from the bottom (the answer tends to sit just above lo), then bisection
    left, step = 0, 1
    right = len(cand) - 1
    while left + step - 1 < right:
        if feasible(cand[left + step - 1]):
            right = left + step - 1
            break
        left, step = left + step, 2 * step
    while left < right:
        mid = (left + right) // 2
        if feasible(cand[mid]):
            right = mid
        else:
            left = mid + 1
    return float(cand[right])


def essential_cost(bx: np.ndarray, by: np.ndarray, p: float) -> float:
    """Matching of essential bars by birth: ``sum |Δb|**p`` (``max |Δb|`` for p = inf) of sorted births.

    ``bx`` and ``by`` are sorted; different counts give ``inf``. Sorted order is an
    optimal matching on the line for every convex cost and for the maximum.
    """
    if len(bx) != len(by):
        return np.inf
    if len(bx) == 0:
        return 0.0
    diff = np.abs(bx - by)
    return float(diff.max()) if np.isinf(p) else float((diff**p).sum())
