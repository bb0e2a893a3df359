"""The three workflows, each one call: analyse a checkpoint, compare checkpoints, track training.

Each runs the stages of the pipeline (capture, clouds, persistence, summaries,
diagnostics) with settings that suit a first look, and returns a
:class:`~tda_nn.report.Report`: plain data with provenance, which ``Report.save``
turns into JSON, figures and one HTML page. ``tda-nn analyze``, ``compare``,
``track`` and ``demo`` are thin shells around these functions.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from . import __version__
from .report import Report
from .validation import check_choice, check_flag, check_flag_or_auto, check_int

__all__ = ["analyze", "compare_checkpoints", "track"]

def _inputs_in_memory(data: Any, max_samples: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    from .nn.capturing import inputs_in_memory

    return inputs_in_memory(data, max_samples)


def _has_relu(model: Any) -> bool:
    from .nn.regions import has_relu

    return has_relu(model)


Distance = Literal["wasserstein", "bottleneck", "sliced_wasserstein"]
_REDUCE_CHOICES = ("auto", "mean", "max", "flatten", "cls", "first")


_log = logging.getLogger("tda_nn")


class _Stages:
    """One log record per finished stage (logger ``"tda_nn"``, level INFO), and their times for the report."""

    def __init__(self, progress: bool):
        self.progress = progress
        self.times: dict[str, float] = {}
        self._t0 = time.perf_counter()

    def done(self, name: str, detail: str = "") -> None:
        now = time.perf_counter()
        self.times[name] = round(now - self._t0, 3)
        self._t0 = now
        _log.info("%s done in %.1f s%s", name, self.times[name], "; " + detail if detail else "")


def _check_steps(steps: Any, n_models: int) -> list[int]:
    """Training steps: one non-negative int per model, strictly increasing."""
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__len__"):
        raise TypeError(f"steps must be a sequence of ints, one per model, got {type(steps).__name__} {steps!r}.")
    if len(steps) != n_models:
        raise ValueError(f"steps must have one entry per model ({n_models}), got {len(steps)}.")
    out = [check_int(s, name=f"steps[{i}]", min_value=0) for i, s in enumerate(steps)]
    back = [i for i in range(1, len(out)) if out[i] <= out[i - 1]]
    if back:
        i = back[0]
        raise ValueError(f"steps must increase strictly, in the order of the models: steps[{i - 1}]={out[i - 1]} "
                         f"then steps[{i}]={out[i]}. Sort the models by training step.")
    return out


def _resolve_reduce(reduce: str, data: Any) -> str:
    reduce = check_choice(reduce, name="reduce", choices=_REDUCE_CHOICES)
    if reduce != "auto":
        return reduce
    # token inputs (tokenizer dicts): a sample is a sequence, pool its tokens; else
    # keep every unit, so that a conv layer's spatial layout is part of the point
    first = data
    if not isinstance(data, Mapping) and not hasattr(data, "shape") and not isinstance(data, (tuple, list)):
        return "flatten"
    if isinstance(data, (tuple, list)) and data:
        first = data[0]
    return "mean" if isinstance(first, Mapping) else "flatten"


def _profile(acts: Any, *, labels: Any, maxdim: int, max_points: int, scales: Any, n_bootstrap: int,
             seed: int | None, n_jobs: int | None):
    from .diagnostics.layers import layer_profile

    n_landmarks = max_points if acts.n_samples > max_points else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
        return layer_profile(acts, labels=labels, maxdim=maxdim, scales=scales, n_landmarks=n_landmarks,
                             n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs)


def _scale_label(s: float) -> str:
    return f"{s:g}"


def _table(profile: Any, acts: Any) -> dict[str, dict[str, float]]:
    """Per-layer scalars from a layer profile."""
    table: dict[str, dict[str, float]] = {}
    for i, layer in enumerate(profile.layers):
        d = profile.diagrams[i]
        row: dict[str, float] = {"n_points": int(profile.n_points[i])}
        if acts is not None:
            row["n_features"] = int(np.prod(acts[layer].shape[1:]))
        if "covering_radius" in d.meta:
            row["covering_radius_rel"] = float(d.meta["covering_radius"]) / float(profile.reference_scale[i])
        for s_i, s in enumerate(profile.scales):
            for k in range(profile.maxdim + 1):
                row[f"betti_H{k}@{_scale_label(float(s))}"] = int(profile.betti[i, s_i, k])
        for k in range(profile.maxdim + 1):
            row[f"total_persistence_H{k}"] = float(profile.total_persistence[i, k])
            row[f"entropy_H{k}"] = float(profile.entropy[i, k])
            if profile.n_significant is not None:
                row[f"significant_H{k}"] = int(profile.n_significant[i, k])
        if profile.intrinsic_dim is not None:
            row["intrinsic_dim"] = float(profile.intrinsic_dim[i])
        row["median_distance"] = float(profile.reference_scale[i])
        table[layer] = row
    return table


def _per_class_rows(profile: Any, table: dict[str, dict[str, float]]) -> None:
    """Add each class's beta_0 and beta_1 at the middle scale to the table."""
    if not profile.per_class:
        return
    mid = len(profile.scales) // 2
    s = _scale_label(float(profile.scales[mid]))
    for c, sub in profile.per_class.items():
        for i, layer in enumerate(sub.layers):
            for k in range(min(sub.maxdim, 1) + 1):
                table[layer][f"class {c}: betti_H{k}@{s}"] = int(sub.betti[i, mid, k])


def _cka_matrix(arrays: Sequence[np.ndarray]) -> np.ndarray:
    from .diagnostics.similarity import cka

    n = len(arrays)
    m = np.eye(n)
    flat = [np.asarray(a, dtype=np.float64).reshape(len(a), -1) for a in arrays]
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = m[j, i] = cka(flat[i], flat[j])
    return m


def _normalised(dgms: Sequence[Any], refs: Sequence[float]) -> list[Any]:
    from .diagrams import Diagrams

    return [Diagrams([np.asarray(a) / r for a in d], meta=d.meta) for d, r in zip(dgms, refs)]


def _distance_matrix(dgms: Sequence[Any], refs: Sequence[float], metric: str, n_jobs: int | None) -> np.ndarray:
    from .distances import pairwise_distances

    return pairwise_distances(_normalised(dgms, refs), metric=metric, dim=None, n_jobs=n_jobs)


def _regions(model: Any, X: np.ndarray, y: np.ndarray | None, seed: int, resolution: int) -> dict[str, Any]:
    """Activation regions on the plane through three samples, as plain data for the report."""
    from .nn.regions import region_counts, regions_on_plane

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(X), 3, replace=False))
    plane = regions_on_plane(model, points=X[idx], resolution=resolution, method="grid")
    full = plane
    zoom = 1.0
    # a wide network cuts the window into more regions than the grid resolves; zoom in
    # on the first sample until most regions span several grid points
    while plane.n_regions > 0.1 * resolution**2 and zoom < 1e4:
        zoom *= 10.0
        s0, s1, t0, t1 = full.extent
        a = full.anchors[0] if full.anchors is not None else np.zeros(2)
        hw, hh = (s1 - s0) / (2 * zoom), (t1 - t0) / (2 * zoom)
        plane = regions_on_plane(model, full.origin.reshape(full.input_shape), full.u.reshape(full.input_shape),
                                 full.v.reshape(full.input_shape), extent=(a[0] - hw, a[0] + hw, a[1] - hh, a[1] + hh),
                                 resolution=resolution, method="grid")
    counts = region_counts(model, X, plane=None)
    show = rng.choice(len(X), min(len(X), 300), replace=False)
    return {
        "labels": plane.labels.tolist(),
        "predicted": plane.predicted.tolist(),
        "extent": [float(e) for e in plane.extent],
        "n_regions": int(plane.n_regions),
        "counts_by_layer": {name: int(c) for name, c in zip(plane.layers, plane.counts)},
        "anchors": None if full.anchors is None else full.anchors.tolist(),
        "anchor_indices": idx.tolist(),
        "points": plane.project(X[show]).tolist(),
        "point_labels": None if y is None else np.asarray(y)[show].tolist(),
        "data_patterns": {k: float(v) for k, v in counts.items()},
        "resolution": int(resolution),
        "zoom": zoom,
        "full_window_regions": int(full.n_regions),
        "full_window_counts_by_layer": {name: int(c) for name, c in zip(full.layers, full.counts)},
    }


def _keep(output: Any) -> Any:
    """A capture reducer that keeps the output as it is: ``(n, C, H, W)`` feature maps for cubical probes."""
    return output


def _probe(model: Any, data: Any, probe_layers: Any, *, kind: str, max_samples: int, batch_size: int, maxdim: int,
           seed: int, n_jobs: int | None, progress: bool) -> dict[str, Any]:
    from .nn.capturing import capture
    from .probes import probe_layers as score_layers

    per = capture(model, data, probe_layers, reduce="none" if kind == "cloud" else _keep, max_samples=max_samples,
                  batch_size=batch_size, on_nonfinite="raise", progress=progress)
    if per.targets is None:
        raise ValueError("probe=True needs labels: give data as (X, y) or batches that yield (x, y).")
    y = np.asarray(per.targets).reshape(len(per.targets), -1)[:, 0]
    need = 3 if kind == "cloud" else 4
    arrays = {layer: per[layer] for layer in per.layers if per[layer].ndim == need}
    skipped = [layer for layer in per.layers if per[layer].ndim != need]
    if not arrays:
        what = ("per-sample structure (tokens or spatial positions) to build a cloud from; name conv or "
                "transformer layers" if kind == "cloud" else "2-D feature maps (n, C, H, W); name conv layers")
        raise ValueError(f"probe_layers: none of {list(per.layers)} has {what}.")
    pooled = {layer: a.reshape(len(a), a.shape[1], -1).mean(axis=2) if kind == "image" else a.mean(axis=1)
              for layer, a in arrays.items()}
    scores = score_layers(arrays, pooled, y, kind=kind, maxdim=maxdim, seed=seed, n_jobs=n_jobs).to_dict()
    if skipped:
        scores["meta"]["skipped"] = skipped
    return scores


def analyze(
    model: Any,
    data: Any,
    layers: Any = None,
    *,
    reduce: str = "auto",
    max_samples: int = 1000,
    max_points: int = 500,
    maxdim: int = 1,
    distance: Distance = "wasserstein",
    scales: Sequence[float] | None = None,
    n_bootstrap: int = 0,
    per_class: bool = False,
    probe: bool = False,
    probe_layers: Any = None,
    probe_kind: Literal["cloud", "image"] = "cloud",
    regions: bool | Literal["auto"] = "auto",
    region_resolution: int = 128,
    batch_size: int = 256,
    seed: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
    title: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Report:
    """Analyse one model: the topology of every layer, how the layers compare, what probes read.

    Stages: :func:`tda_nn.nn.capturing` of ``layers`` on up to ``max_samples`` samples;
    Vietoris-Rips diagrams per layer on at most ``max_points`` max-min landmarks
    (covering radius recorded; bottleneck error at most twice it) through
    :func:`tda_nn.diagnostics.layer_profile`; a layer x layer matrix of ``distance``
    between the diagrams, each layer scaled by its median pairwise distance so
    that layers of different width compare by shape; linear CKA between the
    layers; optionally topological probes and the activation regions of a ReLU
    network on a plane through three samples.

    Parameters
    ----------
    model : torch.nn.Module
    data : tensor, ndarray, (X, y) tuple, dict of tensors, DataLoader or iterable of batches
        As in :func:`tda_nn.nn.capturing`. Labels, when the data carry them, give
        per-class profiles and probes.
    layers : str, type, or list of them, optional
        As in :func:`tda_nn.nn.capturing` (names, glob patterns, module types,
        ``'input'``). ``None`` lets capture pick and say which.
    reduce : {'auto', 'mean', 'max', 'flatten', 'cls', 'first'}, default='auto'
        How a layer's output becomes one point per sample. ``'auto'``: ``'mean'``
        over tokens for tokenizer-style dict inputs, else ``'flatten'`` (every unit,
        so a feature map's spatial layout is part of the point).
    max_samples : int, default=1000
    max_points : int, default=500
        Landmarks per layer when there are more samples.
    maxdim : int, default=1
    distance : {'wasserstein', 'bottleneck', 'sliced_wasserstein'}, default='wasserstein'
        Layer x layer diagram distance (all homology dimensions up to ``maxdim``).
    scales : sequence of float, optional
        Relative scales of the Betti numbers in the table (fractions of each
        layer's median pairwise distance; default ``(0.25, 0.5, 0.75)``: in many
        dimensions, distances concentrate near the median).
    n_bootstrap : int, default=0
        Bootstrap resamples for the noise band and the count of significant bars
        (0 skips it: it costs ``n_bootstrap`` more diagrams per layer).
    per_class : bool, default=False
        Also profile each class (needs labels).
    probe : bool, default=False
        Score a topological probe per layer of ``probe_layers`` (per-sample clouds
        of tokens or spatial positions) beside a linear probe and a shuffled-label
        control. Needs labels.
    probe_layers : optional
        Default: the captured layers whose outputs have per-sample structure.
    probe_kind : {'cloud', 'image'}, default='cloud'
        ``'cloud'``: Rips persistence of each sample's tokens or spatial positions
        (channels as coordinates); ``'image'``: cubical persistence of each sample's
        channel-mean feature map.
    regions : bool or 'auto', default='auto'
        Activation regions of a ReLU network (counts by layer, the partition of a
        plane through three samples). ``'auto'``: when the model has ReLU-type
        modules and ``data`` holds its inputs in memory.
    region_resolution : int, default=128
    batch_size : int, default=256
    seed : int, default=0
        Seeds landmarks, bootstraps, probe folds and the region plane.
    n_jobs : int or None, default=None
        Parallel workers (:mod:`tda_nn.parallel`).
    progress : bool, default=True
        Progress bar for the capture and one line per stage on stderr.
    title : str, optional
    config : dict, optional
        Recorded in the report as how it was made (the CLI passes its arguments).

    Returns
    -------
    Report

    Raises
    ------
    ValueError
        Unknown layer names (with the closest names), NaN/inf activations,
        ``probe=True`` or ``per_class=True`` without labels, bad settings.

    Examples
    --------
    >>> import torch
    >>> from tda_nn import zoo
    >>> X = torch.randn(120, 2)
    >>> report = analyze(zoo.mlp(2, 16, 2, 2), (X, (X[:, 0] > 0).long()), layers=["input", "act0", "act1"],
    ...                  progress=False)
    >>> report.layers
    ('input', 'act0', 'act1')
    """
    from .nn.capturing import capture

    max_samples, max_points, maxdim, distance = _check_sizes(max_samples, max_points, maxdim, distance, "distance")
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=0)
    region_resolution = check_int(region_resolution, name="region_resolution", min_value=8)
    seed = check_int(seed, name="seed", min_value=0)
    per_class = check_flag(per_class, name="per_class")
    probe = check_flag(probe, name="probe")
    probe_kind = check_choice(probe_kind, name="probe_kind", choices=("cloud", "image"))
    progress = check_flag(progress, name="progress")
    regions = check_flag_or_auto(regions, name="regions")
    red = _resolve_reduce(reduce, data)
    stages = _Stages(progress)
    notes: list[str] = []

    acts = capture(model, data, layers, reduce=red, max_samples=max_samples, batch_size=batch_size,
                   on_nonfinite="raise", progress=progress)
    stages.done("capture", f"{acts.n_samples} samples x {len(acts.layers)} layers")
    labels = None
    if acts.targets is not None:
        labels = np.asarray(acts.targets).reshape(acts.n_samples, -1)[:, 0]
        if np.issubdtype(labels.dtype, np.floating) and not np.isfinite(labels).all() and (probe or per_class):
            bad = np.flatnonzero(~np.isfinite(labels))
            raise ValueError(f"data: the labels y hold {bad.size} NaN or infinite values (first at sample "
                             f"{int(bad[0])}); probe=True and per_class=True need a class for every sample.")
    if per_class and labels is None:
        raise ValueError("per_class=True needs labels: give data as (X, y) or batches that yield (x, y).")

    profile = _profile(acts, labels=labels if per_class else None, maxdim=maxdim, max_points=max_points,
                       scales=(0.25, 0.5, 0.75) if scales is None else scales, n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs)
    stages.done("persistence", f"H0..H{maxdim} of {len(profile.layers)} layers")
    if acts.n_samples > max_points:
        notes.append(f"Diagrams computed on {max_points} max-min landmarks of {acts.n_samples} samples per layer; "
                     "'covering_radius_rel' in the table is the covering radius over the median distance, and the "
                     "bottleneck error of every diagram is at most twice the covering radius.")
    table = _table(profile, acts)
    _per_class_rows(profile, table)

    dgms = dict(zip(profile.layers, profile.diagrams))
    matrices: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    if len(profile.layers) > 1:
        D = _distance_matrix(profile.diagrams, profile.reference_scale, distance, n_jobs)
        matrices[f"{distance} distance, H0..H{maxdim}, per-layer median scale"] = (profile.layers, D)
        matrices["linear CKA"] = (profile.layers, _cka_matrix([acts[layer] for layer in profile.layers]))
        if not np.all(np.isfinite(D)):
            notes.append("Some layer distances are infinite: those layers have different numbers of essential bars.")
    stages.done("comparison")

    probes = None
    if probe:
        if labels is None:
            raise ValueError("probe=True needs labels: give data as (X, y) or batches that yield (x, y).")
        chosen = probe_layers if probe_layers is not None else [lay for lay in acts.layers if lay != "input"]
        probes = _probe(model, data, chosen, kind=probe_kind, max_samples=max_samples, batch_size=batch_size, maxdim=maxdim, seed=seed,
                        n_jobs=n_jobs, progress=progress)
        stages.done("probes", ", ".join(f"{lay}: {t:.2f} vs shuffled {s:.2f}" for lay, t, s in
                                        zip(probes["layers"], probes["topological"], probes["shuffled"])))

    region_data = None
    want_regions = regions is True or (regions == "auto" and _has_relu(model))
    if want_regions:
        X, y = _inputs_in_memory(data, max_samples)
        if X is None:
            if regions is True:
                raise ValueError("regions=True needs the model's inputs in memory: give data as an array, a tensor "
                                 "or an (X, y) tuple.")
        elif len(X) >= 3:
            region_data = _regions(model, X, y, seed, region_resolution)
            stages.done("regions", f"{region_data['n_regions']} regions on the plane")

    cfg = {
        "tda_nn_version": __version__,
        "model": type(model).__name__,
        "layers": list(acts.layers),
        "reduce": red,
        "max_samples": max_samples,
        "n_samples": acts.n_samples,
        "max_points": max_points,
        "maxdim": maxdim,
        "distance": distance,
        "scales": [float(s) for s in profile.scales],
        "n_bootstrap": n_bootstrap,
        "per_class": per_class,
        "probe": probe,
        "probe_kind": probe_kind,
        "seed": seed,
        "stage_seconds": stages.times,
        **dict(config or {}),
    }
    return Report(title=title or f"tda_nn analysis of {type(model).__name__}", config=cfg, layers=profile.layers,
                  diagrams=dgms, table=table, matrices=matrices, probes=probes, regions=region_data, notes=notes)


def _check_sizes(max_samples: Any, max_points: Any, maxdim: Any, metric: Any, name: str) -> tuple[int, int, int, str]:
    """The settings every workflow shares, checked."""
    return (check_int(max_samples, name="max_samples", min_value=3), check_int(max_points, name="max_points", min_value=3),
            check_int(maxdim, name="maxdim", min_value=0),
            check_choice(metric, name=name, choices=("wasserstein", "bottleneck", "sliced_wasserstein")))


def _capture_profile(model: Any, data: Any, layers: Any, *, name: str, first: tuple[str, ...] | None, reduce: str,
                     max_samples: int, max_points: int, maxdim: int, batch_size: int, seed: int,
                     n_jobs: int | None, progress: bool) -> tuple[Any, Any]:
    """Capture one model of a series and profile it; its layers must be those of the first model."""
    from .nn.capturing import capture

    acts = capture(model, data, layers, reduce=reduce, max_samples=max_samples, batch_size=batch_size,
                   on_nonfinite="raise", progress=progress)
    if first is not None and acts.layers != first:
        raise ValueError(f"model {name!r} gave layers {list(acts.layers)}, but the first model gave {list(first)}; "
                         "give models of one architecture.")
    return acts, _profile(acts, labels=None, maxdim=maxdim, max_points=max_points, scales=None, n_bootstrap=0,
                          seed=seed, n_jobs=n_jobs)


def _series_config(names: list[str], layers: tuple[str, ...], reduce: str, max_samples: int, max_points: int,
                   maxdim: int, metric: str, seed: int, stages: _Stages, config: Mapping[str, Any] | None) -> dict:
    return {"tda_nn_version": __version__, "names": names, "layers": list(layers), "reduce": reduce,
            "max_samples": max_samples, "max_points": max_points, "maxdim": maxdim, "metric": metric, "seed": seed,
            "stage_seconds": stages.times, **dict(config or {})}


def _names(models: Sequence[Any], names: Sequence[str] | None) -> list[str]:
    if names is None:
        return [f"checkpoint {i}" for i in range(len(models))]
    names = [str(n) for n in names]
    if len(names) != len(models):
        raise ValueError(f"names must have one entry per model ({len(models)}), got {len(names)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"names must be distinct, got {names}.")
    return names


def _check_models(models: Any) -> list[Any]:
    if isinstance(models, (str, bytes, Mapping)) or not isinstance(models, Sequence):
        raise TypeError(f"models must be a list of torch.nn.Module, got {type(models).__name__}.")
    if len(models) < 2:
        raise ValueError(f"models must hold at least 2 models to compare, got {len(models)}.")
    return list(models)


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
) -> Report:
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

    Returns
    -------
    Report
        Diagrams and table rows keyed ``'<name>:<layer>'``; matrices ``'<metric>: <layer>'``
        and ``'CKA: <layer>'`` labelled by ``names``.
    """

    models = _check_models(models)
    names = _names(models, names)
    max_samples, max_points, maxdim, metric = _check_sizes(max_samples, max_points, maxdim, metric, "metric")
    red = _resolve_reduce(reduce, data)
    stages = _Stages(check_flag(progress, name="progress"))
    acts_list, profiles = [], []
    for name, model in zip(names, models):
        acts, prof = _capture_profile(model, data, layers, name=name, first=acts_list[0].layers if acts_list else None,
                                      reduce=red, max_samples=max_samples, max_points=max_points, maxdim=maxdim,
                                      batch_size=batch_size, seed=seed, n_jobs=n_jobs, progress=progress)
        acts_list.append(acts)
        profiles.append(prof)
        stages.done(f"{name}", f"{acts.n_samples} samples x {len(acts.layers)} layers")
    layer_names = acts_list[0].layers
    diagrams, table, matrices = {}, {}, {}
    for name, acts, prof in zip(names, acts_list, profiles):
        for layer, row in _table(prof, acts).items():
            table[f"{name}:{layer}"] = row
        for layer, d in zip(prof.layers, prof.diagrams):
            diagrams[f"{name}:{layer}"] = d
    for i, layer in enumerate(layer_names):
        dg = [p.diagrams[i] for p in profiles]
        refs = [float(p.reference_scale[i]) for p in profiles]
        matrices[f"{metric}: {layer}"] = (tuple(names), _distance_matrix(dg, refs, metric, n_jobs))
        matrices[f"CKA: {layer}"] = (tuple(names), _cka_matrix([a[layer] for a in acts_list]))
    stages.done("comparison")
    cfg = _series_config(names, layer_names, red, max_samples, max_points, maxdim, metric, seed, stages, config)
    return Report(title=title or f"tda_nn comparison of {len(models)} checkpoints", config=cfg,
                  layers=tuple(layer_names), diagrams=diagrams, table=table, matrices=matrices)


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
) -> Report:
    """Topology of every layer over a series of checkpoints of one training run.

    At every checkpoint the same samples are captured and profiled (as
    :class:`tda_nn.TopologyMonitor` does during training); the series are each layer's Betti
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

    Returns
    -------
    Report
        ``series = {'steps': [...], '<quantity>': {layer: [...]}}``; diagrams of
        every checkpoint keyed ``'<name>:<layer>'``; the table of the last checkpoint.
    """
    from .diagnostics.trace import step_distance

    models = _check_models(models)
    names = _names(models, names)
    if steps is None:
        steps = list(range(len(models)))
    else:
        steps = _check_steps(steps, len(models))
    max_samples, max_points, maxdim, metric = _check_sizes(max_samples, max_points, maxdim, metric, "metric")
    red = _resolve_reduce(reduce, data)
    stages = _Stages(check_flag(progress, name="progress"))
    regions = check_flag_or_auto(regions, name="regions")
    want_regions = regions is True or (regions == "auto" and _has_relu(models[0]))
    X_in, _ = _inputs_in_memory(data, max_samples) if want_regions else (None, None)
    if regions is True and X_in is None:
        raise ValueError("regions=True needs the model's inputs in memory: give data as an array, a tensor or an "
                         "(X, y) tuple.")

    series: dict[str, Any] = {"steps": [int(s) for s in steps]}
    diagrams: dict[str, Any] = {}
    prev = None
    layer_names: tuple[str, ...] = ()
    table: dict[str, Any] = {}
    for name, model in zip(names, models):
        acts, prof = _capture_profile(model, data, layers, name=name, first=None if prev is None else prev.layers,
                                      reduce=red, max_samples=max_samples, max_points=max_points, maxdim=maxdim,
                                      batch_size=batch_size, seed=seed, n_jobs=None, progress=False)
        layer_names = prof.layers
        mid = len(prof.scales) // 2
        s = _scale_label(float(prof.scales[mid]))
        for i, layer in enumerate(prof.layers):
            diagrams[f"{name}:{layer}"] = prof.diagrams[i]
            for k in range(maxdim + 1):
                series.setdefault(f"betti_H{k}@{s}", {}).setdefault(layer, []).append(int(prof.betti[i, mid, k]))
            top = min(maxdim, 1)
            series.setdefault(f"total_persistence_H{top}", {}).setdefault(layer, []).append(
                float(prof.total_persistence[i, top]))
            if prof.intrinsic_dim is not None:
                series.setdefault("intrinsic_dim", {}).setdefault(layer, []).append(float(prof.intrinsic_dim[i]))
            step_d = float("nan") if prev is None else step_distance(
                prev.diagrams[i], prof.diagrams[i], float(prev.reference_scale[i]), float(prof.reference_scale[i]),
                metric, min(maxdim, 1))
            series.setdefault(f"{metric} to previous", {}).setdefault(layer, []).append(step_d)
        if X_in is not None:
            from .nn.regions import region_counts

            counts = region_counts(model, X_in, plane=None)
            for key, v in counts.items():
                if key.startswith("patterns/"):
                    series.setdefault("activation patterns on the data", {}).setdefault(
                        key.split("/", 1)[1], []).append(float(v))
        table = _table(prof, acts)
        prev = prof
        stages.done(name)
    cfg = _series_config(names, layer_names, red, max_samples, max_points, maxdim, metric, seed, stages, config)
    notes = [f"The table describes the last checkpoint, {names[-1]!r}."]
    return Report(title=title or f"tda_nn over {len(models)} checkpoints", config=cfg, layers=layer_names,
                  diagrams=diagrams, table=table, series=series, notes=notes)
