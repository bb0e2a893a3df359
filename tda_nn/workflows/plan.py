"""Plans: what a workflow will do, and about how long and how much memory each stage takes, before it starts.

A workflow first resolves every option against the model and the data (layers and the
shape of one sample at each, probe layers that can give per-sample clouds, whether
regions apply) with one small forward pass (:func:`sample_shapes`), then
:func:`plan_analysis` estimates **every stage**: capture, persistence, significance,
comparison, views, probes, loops, symmetry, regions and the report. A stage whose
inputs cannot work is skipped with a note, and a plan above the memory budget or above
``max_time`` is refused with a :class:`PlanError` naming the option that drives it and a
setting that fits, before any heavy work.

**The cost model.** Vietoris-Rips persistence up to dimension ``k`` on ``n`` points
counts the ``(k+1)``-simplices of the full flag complex, ``C(n, k + 2)``, at
``_NS_PER_SIMPLEX`` ns each (an upper estimate for Gaussian clouds: apparent pairs make
most columns free; a guard against runs that cannot finish, such as ``maxdim=5`` on 400
points, weeks). Every other stage is a sum of the dense products it does (pairwise
distances and Gram matrices: ``n^2 * features``; the landmark search ``n * m *
features``; the bootstrap ``n_bootstrap * m^2``; Wasserstein matchings ``pairs *
bars^2``; one forward pass per sample and per grid point of the region plane, priced
from the model's width) times a constant measured on the development machine (2 shared
cores, giotto-ph). Memory is :func:`tda_nn.budgets.estimate_rips_bytes` for giotto-ph (the
estimate the engine's own guard refuses by, calibrated on measured peaks: 46 n^2 bytes
at H1, where the plan used to charge the bare 8 n^2 of the matrix).

**Measured accuracy** (``benchmarks/plan_accuracy.py``: estimate / actual wall time of
``analyze`` plus ``Report.save``, one run each, on the development machine: 2 cores shared
with four other jobs, so measured at three loads; the last run after the constants were
set, on the code merged with the significance and exact-H0 work):

==================  ========  ===============  ===============  ===============
run                 estimate  actual, load 4   actual, load 9   actual, load 7
==================  ========  ===============  ===============  ===============
demo                  33.1 s  19.6 s (1.69)    42.4 s (0.78)    33.9 s (0.98)
digits CNN, 5,000    152.6 s  117.0 s (1.31)   246.8 s (0.62)   170.6 s (0.89)
==================  ========  ===============  ===============  ===============

(estimate / actual in brackets). The demo is the digits CNN of ``tda-nn demo`` on 1,000
samples with 400 points, probes on conv1 and conv2, regions, loops and PCA views; the
5,000-sample run is the same model on scikit-learn's digits tiled and jittered to 5,000
samples, with 500 points. The constants sit between the two loads (fitted at load 4, then
raised by 1.5), so the estimate is within 2x of the demo and within 3x of the
5,000-sample run at every load seen. Per stage the largest misses at load 9 are the persistence with
its bootstrap (about 2.3x under at 5,000 samples) and the views (about 2.3x under on the demo); comparison at
5,000 samples is dominated by RBF CKA, one pair of Gram matrices per pair of layers.

Floor: application. Imports the helpers (``validation``, ``budgets``) and, inside :func:`sample_shapes`,
the torch wing's capture.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..budgets import estimate_rips_bytes, format_bytes, parse_memory, simplex_count
from ..validation import check_choice, check_int, check_real
from .settings import landmark_count

__all__ = ["Plan", "PlanError", "StagePlan", "build_plan", "estimate_persistence", "largest_fitting", "plan_analysis",
           "sample_shapes"]

_NS_PER_SIMPLEX = 15.0
_MAX_SIMPLICES = 2.0**62
_REFERENCE_SAMPLE = 1000  # samples behind each layer's median pairwise distance (diagnostics.layers)

# seconds per unit of work, measured (benchmarks/plan_accuracy.py); see the module docstring
# the Mapper stage per layer: a fixed part, per sample (cover and clustering) and per sample and feature (the
# lens); measured with tda_nn.mapper_layers on Gaussian layers of 1,000 and 4,000 samples x 64 and 512
# features under load 3-4 (0.8-6.7 s per layer), divided by 1.5 for a quiet machine
_S_MAPPER_LAYER = 0.3
_S_MAPPER_SAMPLE = 1.5e-4
_S_MAPPER_VALUE = 2e-6
_S_FORWARD = 4.5e-09  # per sample and captured value (the forward pass, hooks and the copy to numpy)
_S_SAMPLE = 5.25e-05  # per sample and captured layer (hook and batching overhead)
_S_PROFILE = 7.5e-10  # per sample pair and feature of a layer profile (reference scale, landmarks, TwoNN)
_S_GRAM = 3e-10  # per multiply-add of a Gram product (CKA, the PCA views)
_S_ELEMENT = 6e-09  # per entry of an n x n matrix touched elementwise (exp, sort, median)
_S_BOOT = 3e-11  # per bootstrap resample, pair of points and feature
_S_MATCH = 1.5e-07  # per pair of bars in a Wasserstein matching
_S_PROBE = 0.003  # per sample and probe layer: its features and its share of the classifiers
_S_REGION = 1.95e-07  # per captured value and point pushed through the model by the region stage (grid and samples)
_S_REPORT = 1.8  # per layer: the figures of the report
_S_FIXED = 1.5  # per run: the report's page and JSON

class PlanError(ValueError):
    """An analysis that cannot run as asked: the message names the option and a setting that fits."""


def estimate_persistence(n_points: int, maxdim: int, n_features: int | None = None) -> tuple[float, float]:
    """Estimated ``(seconds, bytes)`` of Rips persistence up to ``maxdim`` on ``n_points`` points.

    ``maxdim=0`` is the exact spanning tree (no distance matrix):
    :func:`tda_nn.budgets.estimate_mst` with ``n_features`` (64 when not given).

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
    if k == 0:
        from ..budgets import estimate_mst

        return estimate_mst(n, 64 if n_features is None else int(n_features))
    seconds = _NS_PER_SIMPLEX * 1e-9 * simplex_count(n, k + 2) + 1e-3
    return seconds, float(estimate_rips_bytes(n, k)[0])


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
    """What a workflow will do, resolved against the model and the data before any heavy work.

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

    def stage(self, name: str) -> StagePlan | None:
        """The stage called ``name`` (None when the plan has none)."""
        return next((s for s in self.stages if s.name == name), None)

    def for_series(self, n_models: int, *, compare: bool) -> Plan:
        """The plan of a series of ``n_models`` checkpoints planned like this one: the per-model stages that run,
        once per model, then the checkpoint comparison (``compare``) and the report once."""
        per_model = [StagePlan(s.name, f"{s.what}, x{n_models}", s.seconds * n_models, s.bytes, True, s.note)
                     for s in self.stages if s.runs and s.name not in ("report", "comparison", "views", "loops")]
        L = len(self.layers)
        n = max((info["n_points"] for info in self.layers.values()), default=0)
        pairs = n_models * (n_models - 1) // 2
        tail = [StagePlan("comparison", f"{L} checkpoint x checkpoint distance and CKA matrices",
                          seconds=L * pairs * (_S_MATCH * n * n), runs=compare)] if compare else []
        report = [s for s in self.stages if s.name == "report"]
        return Plan(tuple(per_model + tail + report), self.layers, self.notes)

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


def _check_layers(layers: Any) -> None:
    if not isinstance(layers, Mapping) or not layers:
        raise TypeError(f"layers must be a non-empty dict of layer name -> per-sample shape, got {layers!r}.")
    for key, shape in layers.items():
        if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise TypeError(f"layers[{key!r}] must be a tuple of non-negative ints (one sample's shape), got {shape!r}.")


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
    main_layers: tuple[str, ...] | None = None,
    comparison: bool = True,
    combined_distance: bool = False,
    views: bool = True,
    loops: bool = False,
    n_actions: int = 0,
    region_resolution: int = 128,
    report: bool = True,
    mapper: bool = False,
) -> Plan:
    """The plan of an ``analyze`` run from the per-sample shape of each layer's activation.

    ``layers`` maps each captured layer to the shape of ONE sample's activation (as
    :func:`tda_nn.list_layers` reports it, without the batch axis). Per-sample clouds
    of the probes take the spatial positions of a feature map (or the tokens of a
    sequence in ``token_layers``) as points; a layer whose samples have fewer than
    two such points cannot give a cloud and is skipped with a note, before any
    forward pass over the data. ``main_layers`` (default: every layer) are those
    profiled; the others are captured for the probes only.

    Raises
    ------
    PlanError
        The persistence stage needs more memory than ``max_memory`` (default: half
        the RAM) or the plan more time than ``max_time``; the message names the option
        that drives it (``maxdim`` or ``max_points``) and a value that fits.
    """
    _check_layers(layers)
    n_samples = check_int(n_samples, name="n_samples", min_value=1)
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    max_points = check_int(max_points, name="max_points", min_value=3)
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=0)
    probe_kind = check_choice(probe_kind, name="probe_kind", choices=("cloud", "image"))
    if max_time is not None:
        max_time = check_real(max_time, name="max_time", min_value=0.0, strict=True)
    return build_plan(layers, n_samples=n_samples, maxdim=maxdim, max_points=max_points, n_bootstrap=n_bootstrap,
                 probe_layers=tuple(probe_layers), probe_kind=probe_kind, regions=bool(regions),
                 regions_note=regions_note, budget=parse_memory(max_memory), max_time=max_time,
                 token_layers=tuple(token_layers), main_layers=main_layers, comparison=comparison,
                 combined_distance=combined_distance, views=views, loops=loops, n_actions=int(n_actions),
                 region_resolution=int(region_resolution), report=report, mapper=bool(mapper))


def _refuse(n: int, maxdim: int, n_layers: int, t_pers: float, b_pers: float, budget: float,
            max_time: float | None) -> None:
    limit_s = math.inf if max_time is None else max_time / max(n_layers, 1)
    fit_n = largest_fitting(maxdim, max_seconds=limit_s, max_bytes=budget, upper=n)
    fit_d = max((d for d in range(0, maxdim) if estimate_persistence(n, d)[1] <= budget
                 and estimate_persistence(n, d)[0] <= limit_s), default=None)
    what = (f"about {format_bytes(b_pers)} of memory (budget {format_bytes(budget)})" if b_pers > budget
            else f"about {_duration(t_pers * n_layers)} (max_time {_duration(max_time or 0)})")
    if maxdim >= 2 and fit_d is not None:
        raise PlanError(f"maxdim={maxdim} is too large for clouds of {n} points: persistence would take {what}; "
                        f"use maxdim={fit_d}, or max_points={max(fit_n, 3)} with maxdim={maxdim}.")
    raise PlanError(f"max_points={n} is too large for maxdim={maxdim}: persistence would take {what}; "
                    f"use max_points={max(fit_n, 3)}.")


def build_plan(layers: Mapping[str, tuple[int, ...]], *, n_samples: int, maxdim: int, max_points: int, n_bootstrap: int,
          probe_layers: tuple[str, ...], probe_kind: str, regions: bool, regions_note: str, budget: float,
          max_time: float | None, token_layers: tuple[str, ...], main_layers: tuple[str, ...] | None,
          comparison: bool, combined_distance: bool, views: bool, loops: bool, n_actions: int,
          region_resolution: int, report: bool, mapper: bool = False) -> Plan:
    """:func:`plan_analysis` on checked values (the workflows' settings are checked once, by their dataclass)."""
    main = tuple(layers) if main_layers is None else tuple(main_layers)
    width = {name: int(math.prod(shape) or 1) for name, shape in layers.items()}
    values = sum(width.values())
    n = m = landmark_count(n_samples, max_points) or n_samples  # points per cloud
    n_ref = min(n_samples, _REFERENCE_SAMPLE)
    L = len(main)
    pairs = L * (L - 1) // 2
    info = {name: {"shape": tuple(int(s) for s in layers[name]), "n_features": width[name], "n_points": n}
            for name in main}
    notes: list[str] = []
    forward = _S_FORWARD * values + _S_SAMPLE * len(layers)  # one sample through the captured layers
    stages = [StagePlan("capture", f"{n_samples} samples through {len(layers)} layers",
                        seconds=n_samples * forward, bytes=4.0 * n_samples * values)]
    t_pers, b_pers = estimate_persistence(n, maxdim)
    if b_pers > budget or (max_time is not None and t_pers * L > max_time):
        _refuse(n, maxdim, L, t_pers, b_pers, budget, max_time)
    dense = sum(_S_PROFILE * width[name] * (n_ref * n_ref + n_samples * (m if n_samples > max_points else 0)
                                          + m * m) for name in main)  # reference scale, landmarks, the cloud
    stages.append(StagePlan("persistence", f"H0..H{maxdim} of {L} layers, {n} points each",
                            seconds=t_pers * L + dense, bytes=b_pers))
    stages.append(StagePlan("significance", f"{n_bootstrap} bootstrap resamples per layer",
                            seconds=sum(_S_BOOT * n_bootstrap * m * m * width[name] for name in main),
                            bytes=8.0 * m * m, runs=n_bootstrap > 0,
                            note="" if n_bootstrap else "n_bootstrap=0"))
    dims = (maxdim + 1) + (1 if combined_distance else 0)
    bars = m + maxdim * max(m // 10, 1)  # H0 has m - 1 bars; higher dimensions far fewer
    cka = pairs * sum(_S_GRAM * n_samples * n_samples * 2 * width[name] / L + 2 * _S_ELEMENT * n_samples ** 2
                      for name in main)
    stages.append(StagePlan("comparison", f"{dims} layer x layer distance matrices and 2 CKA matrices",
                            seconds=pairs * dims * _S_MATCH * bars * bars + cka, bytes=8.0 * n_samples ** 2,
                            runs=comparison and L > 1, note="" if L > 1 else "one layer"))
    stages.append(StagePlan("views", "a 2-D view of every layer", runs=views,
                            seconds=sum(_S_GRAM * n_samples ** 2 * (width[name] + 64) for name in main),
                            bytes=8.0 * n_samples ** 2))
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
        t = sum(n_samples * (_S_PROBE + estimate_persistence(min(p, 200), 1)[0]) for _, p in probe_run)
        stages.append(StagePlan("probes", f"{len(probe_run)} layer(s) of per-sample clouds", seconds=t,
                                runs=bool(probe_run), note="" if probe_run else "no layer can give per-sample clouds"))
    stages.append(StagePlan("loops", "the samples of every significant loop, and their lifelines",
                            seconds=0.1 + 0.2 * t_pers * L, runs=loops and maxdim >= 1 and n_bootstrap > 0,
                            note="" if n_bootstrap else "needs significance (n_bootstrap > 0)"))
    if n_actions:
        stages.append(StagePlan("symmetry", f"{n_actions} action(s): invariance, equivariance, orbits",
                                seconds=n_actions * (2 + n_bootstrap / 50) * n_samples * forward))
    stages.append(StagePlan("regions", "ReLU activation regions on a plane and on the samples",
                            seconds=_S_REGION * values * (region_resolution ** 2 + n_samples),
                            runs=bool(regions), note=regions_note))
    stages.append(StagePlan("mapper", f"a Mapper graph of each of {L} layers, linked across depth", runs=mapper,
                            seconds=sum(_S_MAPPER_LAYER + _S_MAPPER_SAMPLE * n_samples
                                        + _S_MAPPER_VALUE * n_samples * width[name] for name in main),
                            bytes=8.0 * n_samples * max((width[name] for name in main), default=0)))
    stages.append(StagePlan("report", "findings, report.json, figures and report.html", runs=report,
                            seconds=_S_FIXED + _S_REPORT * L))
    return Plan(tuple(stages), info, tuple(notes))


# -- the small forward pass that resolves a run --------------------------------------------------------------
def _keep(output: Any) -> Any:
    return output


def _peek(data: Any) -> tuple[Any, Any]:
    """(what the small pass reads, what the run reads): a one-shot iterator lends its first batch to both."""
    if isinstance(data, Iterator):
        try:
            first = next(data)
        except StopIteration:
            raise ValueError("data yielded no samples: it is empty (or every batch has 0 rows).") from None
        return [first], itertools.chain([first], data)
    return data, data


def sample_shapes(model: Any, data: Any, layers: Any) -> tuple[dict[str, tuple[int, ...]], Any]:
    """The shape of ONE sample's output at each of ``layers`` (as capture resolves them), from two samples.

    Returns the shapes and the data to use from now on (the same object, unless
    ``data`` is a one-shot iterator, whose first batch is put back in front).
    """
    from ..nn.capturing import capture

    small, data = _peek(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acts = capture(model, small, layers, reduce=_keep, max_samples=2, batch_size=2, on_nonfinite="ignore",
                       progress=False)
    return {layer: tuple(int(s) for s in np.shape(acts[layer])[1:]) for layer in acts.layers}, data
