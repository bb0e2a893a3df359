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
# Peak memory of tda_nn.persistence per engine, measured in fresh subprocesses
# (benchmarks/calibrate_memory.py: ru_maxrss after the call minus before it; Gaussian
# clouds in R^8, the spanning tree in R^64 and R^16; 2-core development machine, one run).
# Measured peak, and the estimate below:
#
#   engine     maxdim      n  collapse   measured    estimate   est/measured
#   tree (H0)     0    20000  (64-D)      79.0 MiB    82.7 MiB   1.05   (float32 tiles)
#   tree (H0)     0   100000  (16-D)     105.1 MiB   111.7 MiB   1.06   (float32 tiles)
#   tree (H0)     0   100000  (256-D)    491   MiB   661   MiB   1.35   (float32 input)
#   giotto-ph     0     2000             122.5 MiB   137.3 MiB   1.12
#   giotto-ph     0     4000             444.3 MiB   549.3 MiB   1.24
#   giotto-ph     1     2000             131.1 MiB   175.5 MiB   1.34
#   giotto-ph     1     4000             637.3 MiB   701.9 MiB   1.10
#   giotto-ph     1     6000               1.2 GiB     1.5 GiB   1.26
#   giotto-ph     2      200    yes        2.2 MiB     2.5 MiB   1.14
#   giotto-ph     2      400    yes        7.5 MiB    10.1 MiB   1.34
#   giotto-ph     2      800    yes       33.9 MiB    40.3 MiB   1.19
#   giotto-ph     2      300    no         4.2 MiB     6.2 MiB   1.47
#   giotto-ph     2      800    no        53.8 MiB    54.1 MiB   1.01
#   ripser        0     2000             245.1 MiB   244.1 MiB   1.00 (0.4% under)
#   ripser        0     4000             944.3 MiB   976.6 MiB   1.03
#   ripser        1     1000              86.6 MiB    87.7 MiB   1.01
#   ripser        1     2000             341.9 MiB   351.0 MiB   1.03
#   ripser        2      150              28.9 MiB    35.6 MiB   1.23
#   ripser        2      250             155.8 MiB   162.5 MiB   1.04
#   ripser        2      350             359.9 MiB   443.2 MiB   1.23
#   gudhi         0      500              40.7 MiB    53.3 MiB   1.31
#   gudhi         0     1000             163.6 MiB   213.4 MiB   1.30
#   gudhi         1      200             432.1 MiB   509.5 MiB   1.18
#   gudhi         1      300               1.6 GiB     1.7 GiB   1.07
#   gudhi         2       60    auto     139.3 MiB   153.3 MiB   1.10
#   gudhi         2      100    auto       1.0 GiB     1.2 GiB   1.11
#
# giotto-ph and ripser.py hold the distance matrix and per-pair state (giotto-ph about
# 30-45 bytes per ordered pair, ripser.py 61-90); ripser.py also holds its columns
# of maxdim-simplices, about 64 bytes each (55 and 63 measured at maxdim 2); giotto-ph at
# maxdim 2 grows by about 0.2 bytes per triangle without collapse (apparent pairs keep
# most columns out) and stays within its per-pair term with collapse. gudhi's simplex
# tree holds every simplex up to dimension maxdim + 1, about 340-390 bytes each for edges
# and triangles and 260-280 for tetrahedra. Above maxdim 2 nothing was measured: the
# per-simplex costs are extrapolated (giotto-ph without collapse: 16 bytes per
# maxdim-simplex, the old rule).
_PAIR_BYTES = {"giotto-ph": (36, 46, 66), "ripser": (64, 92, 92), "gudhi": (0, 0, 0)}
_GIOTTO_NO_COLLAPSE = (62, 0.2)  # maxdim 2 without collapse: bytes per pair, per triangle
_RIPSER_SIMPLEX_BYTES = 64
_GUDHI_SIMPLEX_BYTES = (0, 400, 400, 300)  # by simplex dimension (vertices free)


def estimate_rips_bytes(n: int, maxdim: int, *, engine: str = "giotto-ph", edge_fraction: float = 1.0,
                        collapse: bool = False) -> tuple[int, str]:
    """Estimated peak bytes of Vietoris-Rips persistence on ``n`` points, and what they hold.

    Calibrated per engine on measured peaks (the table above): never below the
    measured peak on those clouds and at most 1.5x above it. ``edge_fraction`` is
    the fraction of edges below the threshold; simplex counts scale with it as
    ``edge_fraction ** C(k + 1, 2)``. With edge collapse the uncollapsed count is
    kept (an upper bound: the collapse only shrinks the complex). For ``maxdim``
    above 2 the measured per-simplex costs are extrapolated.
    """
    n = int(n)
    if engine not in _PAIR_BYTES:
        engine = "giotto-ph"
    pair = _PAIR_BYTES[engine][min(maxdim, 2)]
    total = float(pair) * n * n
    what = f"{engine} persistence up to H{maxdim} on {n} points"
    if engine == "ripser" and maxdim >= 2:
        k = maxdim + 1
        cells = simplex_count(n, k) * edge_fraction ** math.comb(k, 2)
        total += _RIPSER_SIMPLEX_BYTES * cells
        what += f" (about {cells:.3g} {maxdim}-simplices)"
    elif engine == "gudhi":
        cells = 0.0
        for k in range(1, maxdim + 2):
            c = simplex_count(n, k + 1) * edge_fraction ** math.comb(k + 1, 2)
            total += _GUDHI_SIMPLEX_BYTES[min(k, 3)] * c
            cells += c
        total += 24.0 * n * n  # the dense matrix, its float32 rounding and the edge list
        what += f" (a simplex tree of about {cells:.3g} simplices)"
    elif engine == "giotto-ph" and maxdim == 2 and not collapse:
        cells = simplex_count(n, 3) * edge_fraction ** 3
        total = _GIOTTO_NO_COLLAPSE[0] * n * n + _GIOTTO_NO_COLLAPSE[1] * cells
        what += f" (about {cells:.3g} triangles)"
    elif engine == "giotto-ph" and maxdim >= 3 and not collapse:
        k = maxdim + 1
        cells = simplex_count(n, k) * edge_fraction ** math.comb(k, 2)
        total += 16.0 * cells  # not measured: the old rule, 16 bytes per maxdim-simplex
        what += f" (about {cells:.3g} {maxdim}-simplices)"
    return int(min(total, 2.0**62)), what


def simplex_count(n: int, k: int) -> float:
    """``C(n, k)`` as a float (capped, fast for huge arguments)."""
    if k < 0 or k > n:
        return 0.0
    k = min(k, n - k)
    out = 1.0
    for i in range(k):
        out *= (n - i) / (i + 1)
        if out > 2.0**62:
            return 2.0**62
    return out


# tiles of the spanning tree's search (tda_nn/homology/_mst.py reads them from here)
MST_TILE_ROWS = 1024
MST_TILE_COLS = 2048
# below this many points the spanning tree always takes the tiles (tda_nn/homology/_mst_tree.py)
MST_TREE_MIN_POINTS = 20_000


def estimate_mst(n: int, n_features: int, threads: int | None = None) -> tuple[float, int]:
    """Estimated ``(seconds, peak bytes)`` of the exact H0 spanning tree of ``n`` points in ``n_features``-D.

    Memory: four float64 copies of the cloud (validated, centred, the GEMM operands, the
    sorted rows that find repeated points),
    per-point state, and per thread a tile of ``MST_TILE_ROWS x MST_TILE_COLS`` with its
    masks plus the BLAS buffers; from ``MST_TREE_MIN_POINTS`` on, where the k-d tree search
    may be taken, its copy of the cloud and its neighbour lists (measured at 200,000 x 16 on
    an 8-D latent through ``persistence``: 226 MiB above the memory in use, estimate 237 MiB).
    Time: the tiles', about 1.3 n rows against n columns at the measured cost per pair
    below (an upper bound where the k-d tree is taken: 1,000,000 x 16 of an 8-D latent ran
    in 163 s against 43 minutes estimated here).
    """
    threads = threads or os.cpu_count() or 1
    d = int(n_features)
    tile = min(n, MST_TILE_ROWS) * min(n, MST_TILE_COLS)
    # four float64 copies: validated, centred, the GEMM operands, and the sorted rows np.unique compares to find
    # repeated points (measured at 100,000 x 256 through persistence: 1,018 MiB above the cloud, where three
    # copies gave an estimate of 875 MiB)
    peak = 4 * 8 * n * (d + 1) + 260 * n + threads * (6 * tile + 12 * 2**20)
    if n >= MST_TREE_MIN_POINTS:  # the k-d tree search may be taken: its copy of the cloud and neighbour lists
        peak += 8 * n * d + 200 * n
    seconds = 1.3 * n * n * (_MST_NS_PAIR + _MST_NS_FEATURE * d) * 1e-9 / threads
    return seconds, int(peak)


# The rounds search about 1.05 n rows on Gaussian clouds in 64-D and 1.6 n on an 8-D latent in
# 16-D (the two nearest outside points cached), each against n columns. Measured on the 2-core
# development machine (benchmarks/bench_h0.py) at load average about 2: 20,000 x 64 in 0.99 s and
# 100,000 x 256 in 91.7 s, i.e. about 4.7 and 17.5 ns per (row, column) pair per thread; under
# the load of five jobs (load average 5-10) 6.5 s and 284 s; 100,000 x 16 on the 8-D latent in
# 39.7 s (quiet; 1.6 n rows, 6 rounds). The estimate takes 1.3 n rows at 3 ns + 0.06 ns per
# feature per pair: 1.8x, 1.3x and 0.65x those three quiet times.
_MST_NS_PAIR = 3.0
_MST_NS_FEATURE = 0.06
