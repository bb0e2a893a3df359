"""Plans: what an analysis will do, and about how long and how much memory it will take, before it starts.

A workflow first resolves every option against the model and the data (layers, cloud
sizes per layer, per-sample clouds of the probes, whether region counts apply) with
one small forward pass, then asks :func:`estimate_persistence` for each layer. A
stage whose inputs cannot work is skipped with a note, and a plan above the memory
budget or above ``max_time`` is refused with a :class:`PlanError` that names the
option driving it and a setting that fits, before any heavy work.

The cost model of Vietoris-Rips persistence up to dimension ``k`` on ``n`` points
counts the ``(k+1)``-simplices of the full flag complex, ``C(n, k + 2)``, the cells
whose columns the reduction touches to kill ``k``-cycles. Measured on the
development machine (2 cores, giotto-ph, Gaussian clouds in R^8, medians of 2):

==========  ======  ============  ===================
maxdim      n       time          ns per (k+1)-simplex
==========  ======  ============  ===================
1           200     0.018 s       14.0
1           400     0.145 s       13.7
1           800     0.63 s        7.4
2           100     0.012 s       3.0
2           150     0.14 s        6.7
3           45      0.002 s       2.0
==========  ======  ============  ===================

so the model charges ``_NS_PER_SIMPLEX = 15`` ns per simplex: an upper estimate
within about 10x of the measured time for these sizes (clouds with more structure
than Gaussian noise reduce faster; apparent pairs make most columns free). It is a
guard against runs that cannot finish (``maxdim=5`` on 400 points is ``C(400, 7) ~
3e14`` simplices, weeks), not a stopwatch. Memory follows
:func:`tda_nn.homology._memory.estimate_rips_bytes`' rule: the dense distance matrix
plus 16 bytes per ``k``-simplex when ``k >= 2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .validation import format_bytes

__all__ = ["Plan", "PlanError", "StagePlan", "estimate_persistence", "largest_fitting"]

_NS_PER_SIMPLEX = 15.0
_BYTES_PER_SIMPLEX = 16.0
_MAX_SIMPLICES = 2.0**62


class PlanError(ValueError):
    """An analysis that cannot run as asked: the message names the option and a setting that fits."""


def _simplices(n: int, k: int) -> float:
    """``C(n, k)`` as a float, capped (``math.comb`` of huge arguments is exact but slow)."""
    if k < 0 or k > n:
        return 0.0
    k = min(k, n - k)
    out = 1.0
    for i in range(k):
        out *= (n - i) / (i + 1)
        if out > _MAX_SIMPLICES:
            return _MAX_SIMPLICES
    return out


def estimate_persistence(n_points: int, maxdim: int) -> tuple[float, float]:
    """Estimated ``(seconds, bytes)`` of Rips persistence up to ``maxdim`` on ``n_points`` points.

    Examples
    --------
    >>> s, b = estimate_persistence(500, 1)
    >>> s < 1.0, b < 2**30
    (True, True)
    >>> estimate_persistence(400, 5)[0] > 86400 * 30
    True
    """
    n = int(n_points)
    k = int(maxdim)
    seconds = _NS_PER_SIMPLEX * 1e-9 * _simplices(n, k + 2) + 1e-3
    matrix = 8.0 * n * n
    cells = _BYTES_PER_SIMPLEX * _simplices(n, k + 1) if k >= 2 else 0.0
    return seconds, matrix + cells


def largest_fitting(maxdim: int, *, max_seconds: float, max_bytes: float, upper: int) -> int:
    """The largest number of points (<= ``upper``) whose persistence fits both budgets (0 if none)."""
    lo, hi = 0, int(upper)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        s, b = estimate_persistence(mid, maxdim)
        if s <= max_seconds and b <= max_bytes:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 3:
        return f"{seconds / 3600:.1f} h"
    if seconds < 86400 * 365 * 3:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (86400 * 365):.2g} years"


@dataclass(frozen=True)
class StagePlan:
    """One stage of a plan: what it does, its estimated cost, and whether it runs."""

    name: str
    what: str
    seconds: float = 0.0
    bytes: float = 0.0
    runs: bool = True
    note: str = ""


@dataclass(frozen=True, repr=False)
class Plan:
    """What an analysis will do, resolved against the model and the data before any heavy work.

    Attributes
    ----------
    stages : tuple of StagePlan
        In the order they run; ``runs=False`` stages are skipped, with the reason in ``note``.
    layers : dict of str to dict
        Per layer: the shape of one sample's activation, the number of features, the
        number of points its cloud will have.
    notes : list of str
        What was decided and why (skipped layers, inapplicable stages).
    """

    stages: tuple[StagePlan, ...]
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return float(sum(s.seconds for s in self.stages if s.runs))

    @property
    def peak_bytes(self) -> float:
        return float(max((s.bytes for s in self.stages if s.runs), default=0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "stages": [s.__dict__.copy() for s in self.stages],
            "layers": self.layers,
            "notes": list(self.notes),
            "seconds": self.seconds,
            "peak_bytes": self.peak_bytes,
        }

    def __str__(self) -> str:
        lines = [f"plan: about {_duration(self.seconds)}, peak memory about {format_bytes(self.peak_bytes)}"]
        for s in self.stages:
            state = "" if s.runs else "  [skipped]"
            cost = f"{_duration(s.seconds):>9}  {format_bytes(s.bytes):>10}" if s.runs else " " * 21
            lines.append(f"  {s.name:<12} {cost}  {s.what}{state}{'  -- ' + s.note if s.note else ''}")
        if self.layers:
            lines.append("layers:")
            for name, info in self.layers.items():
                lines.append(f"  {name:<16} sample shape {tuple(info.get('shape', ()))}, "
                             f"{info.get('n_features', '?')} features, cloud of {info.get('n_points', '?')} points")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        n_run = sum(s.runs for s in self.stages)
        return (f"Plan({n_run}/{len(self.stages)} stages, about {_duration(self.seconds)}, "
                f"peak about {format_bytes(self.peak_bytes)})")
