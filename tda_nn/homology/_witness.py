"""The lazy witness complex as a flag complex: its edge values, for the Rips engines."""

from __future__ import annotations

import numpy as np

__all__ = ["lazy_witness_matrix"]

# rows of witnesses per block, so that a block of distances stays near 64 MiB
_BLOCK_BYTES = 64 * 2**20


def lazy_witness_matrix(witnesses: np.ndarray, landmarks: np.ndarray, *, nu: int = 2) -> np.ndarray:
    """Edge values of the lazy witness filtration (de Silva and Carlsson, 2004).

    Edge ``ab`` between landmarks enters at ``max(0, min_w max(d(w,a), d(w,b)) - m_nu(w))``,
    where ``m_nu(w)`` is the distance from witness ``w`` to its ``nu``-th nearest landmark
    (``m_0 = 0``). Vertices enter at 0. The complex is the flag complex of these edges,
    so its persistence is the Rips persistence of the returned ``(m, m)`` matrix.
    Time O(n m^2), memory O(m^2) plus one block of witnesses.
    """
    from scipy.spatial.distance import cdist

    W = np.asarray(witnesses, dtype=np.float64)
    L = np.asarray(landmarks, dtype=np.float64)
    m = L.shape[0]
    E = np.full((m, m), np.inf)
    rows = max(1, _BLOCK_BYTES // (8 * m * max(m, 1)))
    for start in range(0, W.shape[0], rows):
        D = cdist(W[start:start + rows], L)
        if nu > 0:
            D -= np.partition(D, nu - 1, axis=1)[:, nu - 1:nu]
        # min over witnesses of max(D[w, a], D[w, b]) for every pair (a, b)
        E = np.minimum(E, np.maximum(D[:, :, None], D[:, None, :]).min(axis=0))
    E = np.maximum(E, 0.0)
    np.fill_diagonal(E, 0.0)
    return E
