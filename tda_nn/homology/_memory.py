"""The memory guard: estimate what a persistence computation will hold, refuse early."""

from __future__ import annotations

import math
import os

__all__ = ["MemoryBudgetError", "check_budget", "default_budget", "estimate_rips_bytes", "format_bytes"]


class MemoryBudgetError(MemoryError, ValueError):
    """A computation would exceed the memory budget; raised before anything is built.

    It is both a ``MemoryError`` and a ``ValueError``, so either ``except`` catches it.
    """


def default_budget() -> int:
    """Half of the machine's physical memory (12 GiB on a 24 GiB machine)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 16 * 2**30
    return int(total // 2)


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


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


def check_budget(needed: int, what: str, budget: int | None, *, hint: str) -> None:
    """Raise ``MemoryBudgetError`` when ``needed`` bytes exceed ``budget``."""
    budget = default_budget() if budget is None else int(budget)
    if needed > budget:
        raise MemoryBudgetError(
            f"this computation would need about {format_bytes(needed)} for {what}, above the memory "
            f"budget max_memory={format_bytes(budget)}. {hint}"
        )
