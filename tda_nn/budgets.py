"""Memory and time budgets: one parser, one formatter, one check, and the estimates they compare.

``max_memory`` everywhere goes through :func:`parse_memory`; a computation that
would need more than its budget is refused by :func:`check_budget` before anything
is built, with a :class:`~tda_nn.validation.MemoryBudgetError` that says how much
and what to change. The persistence estimates (:func:`estimate_rips_bytes`,
:func:`estimate_mst`) are calibrated on measured peaks: see their comments and
``benchmarks/calibrate_memory.py``.

This room imports only :mod:`tda_nn.validation`.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from typing import Any

from .validation import MemoryBudgetError

__all__ = [
    "MemoryBudgetError",
    "check_budget",
    "default_budget",
    "estimate_mst",
    "estimate_rips_bytes",
    "format_bytes",
    "parse_memory",
]


_UNITS = {
    "": 1, "b": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


def default_budget() -> int:
    """Half of the machine's physical memory (8 GiB when it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 16 * 2**30
    return int(total // 2)


def parse_memory(value: Any, *, name: str = "max_memory") -> float:
    """The one parser of memory budgets: bytes from ``None``, a number or a size string.

    ``None`` means :func:`default_budget` (half the physical memory); a number is a
    count of bytes (``inf`` = no limit); a string is a number with a unit, decimal
    (``'500MB'``, ``'2GB'``) or binary (``'2GiB'``), case and spaces ignored.
    """
    if value is None:
        return float(default_budget())
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", value)
        if not m or m.group(2).lower() not in _UNITS:
            raise ValueError(
                f"{name} must be a number of bytes, None, or a size such as '2GiB' or '500MB', got {value!r}."
            )
        out = float(m.group(1)) * _UNITS[m.group(2).lower()]
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number of bytes, None, or a size such as '2GiB' or '500MB', "
            f"got {type(value).__name__} {value!r}."
        )
    else:
        out = float(value)
    if math.isnan(out) or out <= 0:
        raise ValueError(f"{name} must be a positive number of bytes, got {value!r}.")
    return out


def format_bytes(n: float) -> str:
    """``1536 -> '1.5 KiB'``: the one formatter of byte counts in messages."""
    n = float(n)
    if math.isinf(n):
        return "unlimited"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_budget(needed: float, what: str, max_memory: Any, *, hint: str, name: str = "max_memory") -> None:
    """Raise :class:`MemoryBudgetError` before allocating when ``needed`` bytes exceed the budget."""
    budget = parse_memory(max_memory, name=name)
    if needed > budget:
        raise MemoryBudgetError(
            f"this computation would need about {format_bytes(needed)} for {what}, above the memory "
            f"budget {name}={format_bytes(budget)}. {hint}"
        )


# -- persistence -----------------------------------------------------------------------
def estimate_rips_bytes(n: int, maxdim: int, *, engine: str = "giotto-ph", n_features: int | None = None,
                        edge_fraction: float = 1.0, collapse: bool = False) -> tuple[int, str]:
    """Estimated peak bytes of a Vietoris-Rips computation on ``n`` points, and what they hold."""
    matrix = 8 * n * n
    what = f"a {n} x {n} distance matrix ({format_bytes(matrix)})"
    if maxdim < 2 or collapse:
        return matrix, what
    k = maxdim + 1
    simplices = math.comb(n, k) * edge_fraction ** math.comb(k, 2)
    total = matrix + 16 * simplices
    return int(min(total, 2**62)), f"{what} and about {simplices:.3g} {maxdim}-simplices ({format_bytes(16 * simplices)})"


# tiles of the spanning tree's search (tda_nn/homology/_mst.py reads them from here)
MST_TILE_ROWS = 1024
MST_TILE_COLS = 2048


def estimate_mst(n: int, n_features: int, threads: int | None = None) -> tuple[float, int]:
    """Estimated ``(seconds, peak bytes)`` of the exact H0 spanning tree of ``n`` points in ``n_features``-D."""
    threads = threads or os.cpu_count() or 1
    d = n_features
    tile = min(n, MST_TILE_ROWS) * min(n, MST_TILE_COLS)
    peak = 3 * 8 * n * (d + 1) + 64 * n + threads * 12 * tile
    seconds = 3.0 * n * n * (d + 8) / (8e9 * threads)
    return seconds, int(peak)
