"""The series workflows: ``compare_checkpoints`` and ``track``, built from the same stages as ``analyze``.

Each is the list of its stages (:data:`tda_nn.workflows.stages.COMPARE` and ``TRACK``:
plan, checkpoints, series, findings, report) on one
:class:`~tda_nn.workflows.settings.CompareSettings` or
:class:`~tda_nn.workflows.settings.TrackSettings`, so both are planned before they
start, cached under ``out``, and return a :class:`~tda_nn.report.Report` with findings
and provenance. ``track`` profiles through :class:`tda_nn.nn.monitor.TopologyMonitor`.

Floor: application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..report import Report
from .plan import Plan
from .runner import run_workflow
from .settings import CompareSettings, TrackSettings
from .stages import COMPARE, TRACK

__all__ = ["compare_checkpoints", "track"]

Distance = Literal["wasserstein", "bottleneck", "sliced_wasserstein"]


def _check_models(models: Any) -> list[Any]:
    if isinstance(models, (str, bytes, Mapping)) or not isinstance(models, Sequence):
        raise TypeError(f"models must be a list of torch.nn.Module, got {type(models).__name__}.")
    if len(models) < 2:
        raise ValueError(f"models must hold at least 2 models to compare, got {len(models)}.")
    return list(models)


def _names(models: Sequence[Any], names: Sequence[str] | None) -> Any:
    if names is None:
        return [f"checkpoint {i}" for i in range(len(models))]
    if not isinstance(names, (str, bytes)) and isinstance(names, Sequence) and len(names) != len(models):
        raise ValueError(f"names must have one entry per model ({len(models)}), got {len(names)}.")
    return names


def _steps(models: Sequence[Any], steps: Sequence[int] | None) -> Any:
    if steps is None:
        return list(range(len(models)))
    if not isinstance(steps, (str, bytes)) and hasattr(steps, "__len__") and len(steps) != len(models):
        raise ValueError(f"steps must have one entry per model ({len(models)}), got {len(steps)}.")
    return steps


def compare_checkpoints(
    models: Sequence[Any],
    data: Any,
    *,
    names: Sequence[str] | None = None,
    layers: Any = None,
    reduce: str = "auto",
    max_samples: int = 1000,
    max_points: int = 500,
    maxdim: int = 1,
    metric: Distance = "wasserstein",
    batch_size: int = 256,
    seed: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
    title: str | None = None,
    config: Mapping[str, Any] | None = None,
    max_memory: int | float | str | None = None,
    max_time: float | None = None,
    dry_run: bool = False,
    out: str | Path | None = None,
    cache: bool = True,
) -> Report | Plan:
    """Compare the same layers across models (the same architecture at several checkpoints, or different runs).

    For every layer: a checkpoint x checkpoint matrix of ``metric`` between the
    layer's diagrams (each scaled by its median pairwise distance) and of linear
    CKA between the layer's activations on the same samples.

    Parameters
    ----------
    models : sequence of torch.nn.Module
        At least two; every one must have ``layers``.
    data, layers, reduce, max_samples, max_points, maxdim, batch_size, seed, n_jobs, progress
        As in :func:`analyze`.
    names : sequence of str, optional
        A label per model (default ``'checkpoint 0'``, ...).
    metric : {'wasserstein', 'bottleneck', 'sliced_wasserstein'}, default='wasserstein'
    max_memory, max_time, dry_run, out, cache
        As in :func:`analyze`: the first model is planned with one small forward pass
        before any capture (the plan is scaled by the number of models); ``dry_run=True``
        returns that :class:`~tda_nn.workflows.plan.Plan`; with ``out`` the profiled
        checkpoints are kept and a re-run reuses them.

    Returns
    -------
    Report
        Diagrams and table rows keyed ``'<name>:<layer>'``; matrices ``'<metric>: <layer>'``
        and ``'CKA: <layer>'`` (:func:`tda_nn.diagnostics.cka`) labelled by ``names``;
        findings (which checkpoints are most alike, by each measure) and provenance.
    """

    models = _check_models(models)
    settings = CompareSettings(names=_names(models, names), n_jobs=n_jobs,
                               layers=layers,
                               reduce=reduce,
                               max_samples=max_samples,
                               max_points=max_points,
                               maxdim=maxdim,
                               metric=metric,
                               batch_size=batch_size,
                               seed=seed,
                               progress=progress,
                               title=title,
                               config=config,
                               max_memory=max_memory,
                               max_time=max_time,
                               dry_run=dry_run,
                               out=out,
                               cache=cache,
                               )
    return run_workflow(COMPARE, settings, model=models[0], data=data, models=models)


def track(
    models: Sequence[Any],
    data: Any,
    *,
    names: Sequence[str] | None = None,
    steps: Sequence[int] | None = None,
    layers: Any = None,
    reduce: str = "auto",
    max_samples: int = 500,
    max_points: int = 300,
    maxdim: int = 1,
    metric: Distance = "wasserstein",
    regions: bool | Literal["auto"] = "auto",
    batch_size: int = 256,
    seed: int = 0,
    progress: bool = True,
    title: str | None = None,
    config: Mapping[str, Any] | None = None,
    max_memory: int | float | str | None = None,
    max_time: float | None = None,
    dry_run: bool = False,
    out: str | Path | None = None,
    cache: bool = True,
) -> Report | Plan:
    """Topology of every layer over a series of checkpoints of one training run.

    The checkpoints go through :class:`tda_nn.TopologyMonitor` in training order (the
    same samples captured and profiled at each, as during training); the series are each layer's Betti
    numbers at the middle relative scale, total persistence, TwoNN dimension and the
    distance to the previous checkpoint's diagrams (and, for ReLU networks, the
    number of distinct activation patterns on the samples).

    Parameters
    ----------
    models : sequence of torch.nn.Module
        In training order.
    steps : sequence of int, optional
        The training step of each model (default ``0, 1, ...``).
    names, data, layers, reduce, max_samples, max_points, maxdim, metric, batch_size, seed, progress
        As in :func:`compare_checkpoints`.
    regions : bool or 'auto', default='auto'
        Region counts per step (ReLU networks; needs inputs in memory).
    max_memory, max_time, dry_run, out, cache
        As in :func:`compare_checkpoints`.

    Returns
    -------
    Report
        ``series = {'steps': [...], '<quantity>': {layer: [...]}}``; diagrams of
        every checkpoint keyed ``'<name>:<layer>'``; the table of the last checkpoint;
        findings (of the last checkpoint's activation patterns) and provenance.
    """
    models = _check_models(models)
    settings = TrackSettings(names=_names(models, names), steps=_steps(models, steps), regions=regions,
                             layers=layers,
                             reduce=reduce,
                             max_samples=max_samples,
                             max_points=max_points,
                             maxdim=maxdim,
                             metric=metric,
                             batch_size=batch_size,
                             seed=seed,
                             progress=progress,
                             title=title,
                             config=config,
                             max_memory=max_memory,
                             max_time=max_time,
                             dry_run=dry_run,
                             out=out,
                             cache=cache,
                             )
    return run_workflow(TRACK, settings, model=models[0], data=data, models=models)
