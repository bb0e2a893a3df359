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
:func:`tda_nn.budgets.estimate_rips_bytes`' rule: the dense distance matrix
plus 16 bytes per ``k``-simplex when ``k >= 2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .budgets import format_bytes

__all__ = ["Plan", "PlanError", "StagePlan", "estimate_persistence", "largest_fitting", "plan_analysis"]

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


def _sample_points(shape: tuple[int, ...]) -> tuple[int, int]:
    """(points, dims) of one sample's own cloud: spatial positions (or tokens) as points, channels as dims."""
    if len(shape) >= 2:
        return int(math.prod(shape[1:])), int(shape[0])  # (C, H, W) -> H*W points in R^C; (T, D) -> see below
    return 1, int(math.prod(shape) or 1)


def plan_analysis(
    layers: dict[str, tuple[int, ...]],
    *,
    n_samples: int,
    maxdim: int,
    max_points: int,
    n_bootstrap: int = 0,
    probe_layers: tuple[str, ...] = (),
    probe_kind: str = "cloud",
    regions: bool = False,
    regions_note: str = "",
    max_memory: float | None = None,
    max_time: float | None = None,
    token_layers: tuple[str, ...] = (),
) -> Plan:
    """The plan of an ``analyze`` run from the per-sample shape of each layer's activation.

    ``layers`` maps each captured layer to the shape of ONE sample's activation (as
    :func:`tda_nn.list_layers` reports it, without the batch axis). Per-sample clouds
    of the probes take the spatial positions of a feature map (or the tokens of a
    sequence in ``token_layers``) as points; a layer whose samples have fewer than
    two such points cannot give a cloud and is skipped with a note, before any
    forward pass over the data.

    Raises
    ------
    PlanError
        The persistence stage needs more memory than ``max_memory`` (default: half
        the RAM) or the plan more time than ``max_time``; the message names the option
        that drives it (``maxdim`` or ``max_points``) and a value that fits.
    """
    from collections.abc import Mapping

    from .validation import check_choice, check_int, check_real
    from .budgets import parse_memory

    if not isinstance(layers, Mapping) or not layers:
        raise TypeError(f"layers must be a non-empty dict of layer name -> per-sample shape, got {layers!r}.")
    for key, shape in layers.items():
        if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise TypeError(f"layers[{key!r}] must be a tuple of non-negative ints (one sample's shape), got {shape!r}.")
    n_samples = check_int(n_samples, name="n_samples", min_value=1)
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    max_points = check_int(max_points, name="max_points", min_value=3)
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=0)
    probe_kind = check_choice(probe_kind, name="probe_kind", choices=("cloud", "image"))
    if max_time is not None:
        max_time = check_real(max_time, name="max_time", min_value=0.0, strict=True)
    budget = parse_memory(max_memory)
    n = min(int(n_samples), int(max_points))
    notes: list[str] = []
    info: dict[str, dict[str, Any]] = {}
    stages: list[StagePlan] = [StagePlan("capture", f"{n_samples} samples through {len(layers)} layers",
                                         seconds=1e-7 * n_samples * len(layers), bytes=0.0)]
    t_pers, b_pers = estimate_persistence(n, maxdim)
    for name, shape in layers.items():
        info[name] = {"shape": tuple(int(s) for s in shape), "n_features": int(math.prod(shape) or 1), "n_points": n}
    stages.append(StagePlan("persistence", f"H0..H{maxdim} of {len(layers)} layers, {n} points each",
                            seconds=t_pers * len(layers), bytes=b_pers))
    if b_pers > budget or (max_time is not None and t_pers * len(layers) > max_time):
        limit_s = math.inf if max_time is None else max_time / max(len(layers), 1)
        fit_n = largest_fitting(maxdim, max_seconds=limit_s, max_bytes=budget, upper=n)
        fit_d = max((d for d in range(0, maxdim) if estimate_persistence(n, d)[1] <= budget
                     and estimate_persistence(n, d)[0] <= limit_s), default=None)
        what = (f"about {format_bytes(b_pers)} of memory (budget {format_bytes(budget)})" if b_pers > budget
                else f"about {_duration(t_pers * len(layers))} (max_time {_duration(max_time or 0)})")
        if maxdim >= 2 and fit_d is not None:
            raise PlanError(f"maxdim={maxdim} is too large for clouds of {n} points: persistence would take {what}; "
                            f"use maxdim={fit_d}, or max_points={max(fit_n, 3)} with maxdim={maxdim}.")
        raise PlanError(f"max_points={n} is too large for maxdim={maxdim}: persistence would take {what}; "
                        f"use max_points={max(fit_n, 3)}.")
    if n_bootstrap:
        stages.append(StagePlan("significance", f"{n_bootstrap} bootstrap resamples per layer",
                                seconds=2e-9 * n_bootstrap * n * n * len(layers), bytes=8.0 * n * n))
    probe_run, probe_skip = [], []
    for name in probe_layers:
        shape = tuple(layers.get(name, ()))
        pts, _ = _sample_points(shape)
        if name in token_layers and len(shape) == 2:
            pts = int(shape[0])
        if probe_kind == "image":
            ok = len(shape) == 3 and shape[1] >= 2 and shape[2] >= 2
            why = f"its samples are {shape}, not (channels, height, width) maps of at least 2x2"
        else:
            ok = pts >= 2
            why = (f"its feature maps are {'x'.join(map(str, shape[1:])) or '1'} (one point per sample: "
                   "nothing to build a per-sample cloud from)")
        if ok:
            probe_run.append((name, pts))
        else:
            probe_skip.append(name)
            notes.append(f"probe layer {name!r} skipped: {why}.")
    if probe_layers:
        t = sum(int(n_samples) * estimate_persistence(min(p, 200), 1)[0] for _, p in probe_run)
        stages.append(StagePlan("probes", f"{len(probe_run)} layer(s) of per-sample clouds", seconds=t,
                                runs=bool(probe_run), note="" if probe_run else "no layer can give per-sample clouds"))
    stages.append(StagePlan("regions", "ReLU activation regions", seconds=0.0, runs=bool(regions), note=regions_note))
    return Plan(tuple(stages), info, tuple(notes))
