"""The memory guard: estimate what a persistence computation will hold, refuse early."""

from __future__ import annotations

import math

from ..validation import MemoryBudgetError, check_budget, default_budget, format_bytes

__all__ = ["MemoryBudgetError", "check_budget", "default_budget", "estimate_rips_bytes", "format_bytes"]


def estimate_rips_bytes(n: int, maxdim: int, *, edge_fraction: float = 1.0, collapse: bool = False) -> tuple[int, str]:
    """Estimate the peak bytes of a Vietoris-Rips computation on ``n`` points.

    The dense distance matrix (float64, as the engines' Python wrappers build it)
    always counts. For ``maxdim >= 2`` without edge collapse, the reduction may
    touch every ``maxdim``-simplex of the flag complex; with a fraction
    ``edge_fraction`` of edges present, their expected count is
    ``C(n, maxdim + 1) * edge_fraction ** C(maxdim + 1, 2)`` at about 16 bytes each.
    Edge collapse typically shrinks that count by orders of magnitude, so only
    the matrix is counted then. The estimate is a guide, not a bound.
    """
    matrix = 8 * n * n
    what = f"a {n} x {n} distance matrix ({format_bytes(matrix)})"
    if maxdim < 2 or collapse:
        return matrix, what
    k = maxdim + 1
    simplices = math.comb(n, k) * edge_fraction ** math.comb(k, 2)
    total = matrix + 16 * simplices
    return int(min(total, 2**62)), f"{what} and about {simplices:.3g} {maxdim}-simplices ({format_bytes(16 * simplices)})"
