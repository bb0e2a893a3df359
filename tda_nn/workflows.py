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
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import __version__
from ._runs import probe_capture as _probe_capture
from ._runs import probe_scores as _probe
from .plan import Plan
from .report import Report
from .validation import check_choice, check_flag, check_flag_or_auto, check_int, check_probability, check_real
from .workflow_stages import _cka_matrix, _grams, _views, check_actions, pillar_stages
from .workflow_stages import regions_payload as _regions

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
             seed: int | None, n_jobs: int | None, alpha: float = 0.05):
    from .diagnostics.layers import layer_profile

    n_landmarks = max_points if acts.n_samples > max_points else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
        # the report's table and findings still read lifetime thresholds: the band until they read p-values
        return layer_profile(acts, labels=labels, maxdim=maxdim, scales=scales, n_landmarks=n_landmarks,
                             n_bootstrap=n_bootstrap, alpha=alpha, seed=seed, n_jobs=n_jobs, significance="bootstrap")


def _scale_label(s: float) -> str:
    return f"{s:g}"


def _table(profile: Any, acts: Any, *, betti: bool = False) -> dict[str, dict[str, float]]:
    """Per-layer scalars from a layer profile, every length in units of the layer's median pairwise distance.

    Columns: ``n_points`` (in the filtration), ``n_features``, ``landmark_bound``
    (2 x covering radius, 0 without landmarks), ``band`` (confidence-band radius), and
    per dimension ``n_significant_H{k}``, ``threshold_H{k}``, ``longest_H{k}`` (longest
    finite bar), ``total_persistence_H{k}``; ``intrinsic_dim`` and ``median_distance``
    (the unit, in the layer's own units). With ``betti=True`` also ``betti_H{k}@{s}``.
    """
    table: dict[str, dict[str, float]] = {}
    for i, layer in enumerate(profile.layers):
        d = profile.diagrams[i]
        ref = float(profile.reference_scale[i])
        row: dict[str, float] = {"n_points": int(profile.n_points[i])}
        if acts is not None:
            row["n_features"] = int(np.prod(acts[layer].shape[1:]))
        row["landmark_bound"] = float(d.meta.get("bottleneck_bound", 0.0)) / ref
        if profile.noise_level is not None:
            row["band"] = float(profile.noise_level[i])
        for k in range(profile.maxdim + 1):
            if profile.n_significant is not None:
                row[f"n_significant_H{k}"] = int(profile.n_significant[i, k])
                row[f"threshold_H{k}"] = float(profile.threshold[i, k])
            life = d.lifetimes(k)
            life = life[np.isfinite(life)]
            row[f"longest_H{k}"] = float(life.max()) / ref if life.size else 0.0
            row[f"total_persistence_H{k}"] = float(profile.total_persistence[i, k])
        if betti:
            for s_i, s in enumerate(profile.scales):
                for k in range(profile.maxdim + 1):
                    row[f"betti_H{k}@{_scale_label(float(s))}"] = int(profile.betti[i, s_i, k])
        if profile.intrinsic_dim is not None:
            row["intrinsic_dim"] = float(profile.intrinsic_dim[i])
        row["median_distance"] = ref
        table[layer] = row
    return table


def _significant_lifetimes(profile: Any) -> dict[str, dict[int, list[float]]]:
    """The significant finite lifetimes per layer and dimension, in median-distance units, longest first."""
    out: dict[str, dict[int, list[float]]] = {}
    if profile.threshold is None:
        return out
    for i, layer in enumerate(profile.layers):
        ref = float(profile.reference_scale[i])
        out[layer] = {}
        for k in range(profile.maxdim + 1):
            life = profile.diagrams[i].lifetimes(k) / ref
            keep = life[np.isfinite(life) & (life > profile.threshold[i, k])]
            out[layer][k] = sorted(keep.tolist(), reverse=True)
    return out


def _per_class_rows(profile: Any, table: dict[str, dict[str, float]], class_names: Mapping[Any, str]) -> None:
    """Add each class's significant counts (or beta_k at the middle scale without a bootstrap) to the table."""
    if not profile.per_class:
        return
    mid = len(profile.scales) // 2
    s = _scale_label(float(profile.scales[mid]))
    for c, sub in profile.per_class.items():
        name = class_names.get(c, str(c))
        for i, layer in enumerate(sub.layers):
            for k in range(min(sub.maxdim, 1) + 1):
                if sub.n_significant is not None:
                    table[layer][f"class {name}: n_significant_H{k}"] = int(sub.n_significant[i, k])
                else:
                    table[layer][f"class {name}: betti_H{k}@{s}"] = int(sub.betti[i, mid, k])


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _normalised(dgms: Sequence[Any], refs: Sequence[float]) -> list[Any]:
    from .diagrams import Diagrams

    return [Diagrams([np.asarray(a) / r for a in d], meta=d.meta) for d, r in zip(dgms, refs)]


def _distance_matrix(dgms: Sequence[Any], refs: Sequence[float], metric: str, n_jobs: int | None,
                     dim: int | None = None) -> np.ndarray:
    from .distances import pairwise_distances

    return pairwise_distances(_normalised(dgms, refs), metric=metric, dim=dim, n_jobs=n_jobs)


def _provenance(model: Any, acts: Any, data: Any, max_samples: int, dgms: Sequence[Any], seed: int) -> dict[str, Any]:
    """Who made the numbers: library and engine versions, engine used, date, seed, data hash, model identity."""
    import datetime
    import hashlib
    import platform
    from importlib import metadata

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    h = hashlib.sha256()
    X, y = _inputs_in_memory(data, max_samples)
    arrays = [X, y] if X is not None else [acts[layer] for layer in acts.layers[:1]] + [acts.targets]
    for a in arrays:
        if a is not None:
            a = np.ascontiguousarray(np.asarray(a))
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
    n_params = None
    if hasattr(model, "parameters"):
        n_params = int(sum(int(p.numel()) for p in model.parameters()))
    cfg = getattr(model, "config", None)
    name_or_path = getattr(model, "name_or_path", None) or getattr(cfg, "_name_or_path", None) or None
    engines = sorted({str(d.meta.get("backend")) for d in dgms if d.meta.get("backend")})
    return {
        "tda_nn": __version__,
        "numpy": np.__version__,
        "torch": version("torch"),
        "python": platform.python_version(),
        "engines": {name: version(name) for name in ("giotto-ph", "ripser", "gudhi")},
        "engine_used": engines,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "inputs_sha256": h.hexdigest(),
        "inputs_hashed": "model inputs and labels" if X is not None else "first captured layer and labels",
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "n_parameters": n_params,
        "hf_name_or_path": name_or_path,
    }


def _optional_failed(stage: str, exc: Exception, notes: list[str]) -> None:
    """An optional stage that failed: a note in the report and a warning in the log, and the run goes on."""
    text = f"The {stage} stage failed and was left out: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    notes.append(text)
    _log.warning(text)


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
    n_bootstrap: int = 100,
    alpha: float = 0.05,
    combined_distance: bool = False,
    view: Literal["pca", "umap"] | None = "pca",
    class_names: Sequence[str] | Mapping[Any, str] | None = None,
    per_class: bool = False,
    probe: bool = False,
    probe_layers: Any = None,
    probe_kind: Literal["cloud", "image"] = "cloud",
    regions: bool | Literal["auto"] = "auto",
    region_resolution: int = 128,
    loops: bool = True,
    inputs: Any = None,
    symmetry: Any = None,
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
    """Analyse one model: the topology of every layer, how the layers compare, what probes read, what it means.

    Stages: :func:`tda_nn.nn.capturing` of ``layers`` on up to ``max_samples`` samples;
    Vietoris-Rips diagrams per layer on at most ``max_points`` max-min landmarks
    (covering radius ``r`` recorded; bottleneck error at most ``2r``), with the
    significant bars of :func:`tda_nn.significant_bars` (a bar counts when its
    lifetime exceeds ``2 max(c, 2r)``, ``c`` the radius of the ``1 - alpha``
    confidence band of Fasy et al. 2014) through :func:`tda_nn.diagnostics.layer_profile`;
    layer x layer matrices of ``distance`` between the diagrams, one per homology
    dimension (``'wasserstein H0'``, ``'wasserstein H1'``, ...), and linear and RBF
    CKA between the activations; optionally topological probes and the activation
    regions of a ReLU network on a plane through three samples; a 2-D view of every
    layer; and :attr:`Report.findings`, the sentences these numbers support
    (:mod:`tda_nn.findings`).

    **One scale.** Every length in the table, the matrices and the figures is in
    units of the layer's median pairwise distance (of the captured samples, over at
    most 1,000 of them), so that layers of different width compare by shape.

    **Table columns** (per layer): ``n_points`` (points in the filtration),
    ``n_features``, ``landmark_bound`` (``2r``; 0 without landmarks), ``band``
    (``c``), ``n_significant_H{k}`` with ``threshold_H{k}`` beside it,
    ``longest_H{k}`` (longest finite bar), ``total_persistence_H{k}``,
    ``intrinsic_dim`` (TwoNN) and ``median_distance`` (the unit); Betti numbers at
    ``scales`` only when ``scales`` is given. When ``2r`` exceeds every bar of a
    dimension the count is 0 and a finding says that the approximation swamps it.

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
        Layer x layer diagram distance, one matrix per homology dimension, on the
        diagrams divided by the layer's median pairwise distance.
    scales : sequence of float, optional
        Also put Betti numbers at these relative scales (fractions of each layer's
        median pairwise distance) in the table. Default: none (a fixed scale is
        often below every nearest-neighbour distance of a wide layer, where beta_0
        is the number of points).
    n_bootstrap : int, default=100
        Resamples behind the confidence band (distances only, no extra diagrams;
        0 skips significance: no counts, thresholds or significance findings).
    alpha : float, default=0.05
        Level of the confidence band.
    combined_distance : bool, default=False
        Also the matrix of ``distance`` over all dimensions together (dominated by H0).
    view : {'pca', 'umap'} or None, default='pca'
        The 2-D view of every layer in the report (``'umap'`` needs umap-learn and
        falls back to PCA without it); ``None`` skips it.
    class_names : sequence of str or dict of label -> str, optional
        Names of the classes, for the view's legend and the per-class rows.
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
    loops : bool, default=True
        Each significant loop's samples in loop order, with labels and inputs, and
        their lifelines across depth (:func:`tda_nn.workflow_stages.loops_stage`).
    inputs : array or sequence of length n_samples, optional
        What each sample is, for the loop panels (strings, ``(token, sentence)``
        pairs, images); default: the model inputs when in memory.
    symmetry : list of actions or names, or comma-separated str, optional
        A Symmetries section: per-layer invariance and equivariance with intervals,
        orbits, findings (:func:`tda_nn.symmetry_summary`; names ``rotate``, ``rot90``,
        ``translate``, ``shift``, ``flip``). Needs the inputs in memory.
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
    max_memory : int, float or str, optional
        Memory budget of the persistence stage (bytes or ``'8GB'``; default: half the RAM).
    max_time : float, optional
        Refuse a plan estimated above this many seconds.
    dry_run : bool, default=False
        Resolve every option with one small forward pass (two samples) and return
        the :class:`~tda_nn.plan.Plan` without running it.
    out : str or Path, optional
        Keep each finished stage in ``<out>/.tda_nn_cache/`` (capture, persistence,
        probes, regions), keyed by a fingerprint of the data, the model's weights
        and the settings that shape the stage; a re-run with the same ``out`` reuses
        every unchanged stage and says which in :attr:`Report.notes`.
    cache : bool, default=True
        ``False`` recomputes every stage (and still keeps them for the next run).

    **Planned before it starts.** Before the capture, one small forward pass
    resolves the layers and the shape of each layer's samples: a plan above
    ``max_memory`` or ``max_time`` is refused (:class:`~tda_nn.plan.PlanError`, a
    ValueError naming ``maxdim`` or ``max_points`` and a value that fits), and probe
    layers whose samples are one point (a 1x1 map after global pooling) are skipped
    with a note. A failure inside an optional stage (probes, regions) becomes a
    note, never a lost run.

    Returns
    -------
    Report, or Plan when ``dry_run=True``

    Raises
    ------
    ValueError
        Unknown layer names (with the closest names), NaN/inf activations,
        ``probe=True`` or ``per_class=True`` without labels, bad settings, a plan
        that does not fit (:class:`~tda_nn.plan.PlanError`).

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
    from ._runs import Kept, keep_output, per_sample_points, profile_from_data, profile_to_data, resolve_plan
    from .activations import Activations
    from .nn.capturing import capture, iter_batches

    max_samples, max_points, maxdim, distance = _check_sizes(max_samples, max_points, maxdim, distance, "distance")
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=0)
    alpha = check_probability(alpha, name="alpha")
    combined_distance = check_flag(combined_distance, name="combined_distance")
    if view is not None:
        view = check_choice(view, name="view", choices=("pca", "umap"))
    region_resolution = check_int(region_resolution, name="region_resolution", min_value=8)
    seed = check_int(seed, name="seed", min_value=0)
    per_class = check_flag(per_class, name="per_class")
    probe = check_flag(probe, name="probe")
    probe_kind = check_choice(probe_kind, name="probe_kind", choices=("cloud", "image"))
    progress = check_flag(progress, name="progress")
    regions = check_flag_or_auto(regions, name="regions")
    dry_run = check_flag(dry_run, name="dry_run")
    cache = check_flag(cache, name="cache")
    loops = check_flag(loops, name="loops")
    symmetry = check_actions(symmetry)  # unknown names refused before any work
    if max_time is not None:
        max_time = check_real(max_time, name="max_time", min_value=0.0, strict=True)
    red = _resolve_reduce(reduce, data)
    stages = _Stages(progress)
    notes: list[str] = []

    # -- the plan: one small forward pass resolves every option before any heavy work
    want_regions = regions is True or (regions == "auto" and _has_relu(model))
    _, bound, _ = iter_batches(data, batch_size)
    n_planned = min(max_samples, bound) if bound is not None else max_samples
    plan, resolved, data = resolve_plan(
        model, data, layers, n_samples=n_planned, maxdim=maxdim, max_points=max_points, n_bootstrap=n_bootstrap,
        probe=probe, probe_layers=probe_layers, probe_kind=probe_kind, tokens=red == "mean", regions=want_regions,
        regions_note="" if want_regions else "no ReLU-type modules (regions apply to piecewise-linear models)",
        max_memory=max_memory, max_time=max_time)
    if probe and probe_layers is not None and not resolved["probe_layers"]:
        what = ("per-sample structure (tokens or spatial positions) to build a cloud from; name conv or "
                "transformer layers" if probe_kind == "cloud" else "2-D feature maps (n, C, H, W); name conv layers")
        raise ValueError(f"probe_layers: none of {list(resolved['probe_skipped'])} has {what}.")
    if dry_run:
        return plan
    notes.extend(plan.notes)
    stages.done("plan", f"about {plan.seconds:.1f} s estimated")
    kept = Kept(out, enabled=cache, model=model)
    X_in, y_in = _inputs_in_memory(data, max_samples) if kept.active else (None, None)
    data_fp = kept.key(X_in, y_in) if X_in is not None else None

    # -- capture: the probe layers' per-sample outputs come from the same pass when the
    # main layers keep every unit (reduce='flatten'); else the probes capture their own
    main_layers = resolved["layers"]
    probe_names = resolved["probe_layers"] if probe else ()
    one_pass = bool(probe_names) and red == "flatten" and all(
        len(resolved["shapes"][name]) == 3 for name in probe_names)
    per_sample: dict[str, np.ndarray] | None = None
    key = kept.key("capture", data_fp, kept.model_fp, main_layers, probe_names if one_pass else (), red,
                   max_samples, probe_kind) if data_fp is not None else ""
    got = kept.get("capture", key) if key else None
    if got is None:
        wanted = list(dict.fromkeys(main_layers + (probe_names if one_pass else ())))
        raw = capture(model, data, wanted if layers is not None or one_pass else layers,
                      reduce=keep_output if one_pass else red, max_samples=max_samples, batch_size=batch_size,
                      on_nonfinite="raise", progress=progress)
        arrays = {name: np.asarray(raw[name]) for name in raw.layers}
        got = {"arrays": arrays, "targets": raw.targets, "layers": list(main_layers if one_pass else raw.layers)}
        if key:
            kept.put("capture", key, got)
    arrays, targets = got["arrays"], got["targets"]
    if one_pass:
        per_sample = {name: per_sample_points(arrays[name]) if probe_kind == "cloud" else arrays[name]
                      for name in probe_names}
    acts = Activations({name: np.asarray(arrays[name]).reshape(len(arrays[name]), -1) if one_pass
                        else arrays[name] for name in got["layers"]}, targets=targets, meta={"reduce": red})
    stages.done("capture", f"{acts.n_samples} samples x {len(acts.layers)} layers"
                + (f", with {len(probe_names)} probe layer(s) in the same pass" if one_pass else ""))
    labels = None
    if acts.targets is not None:
        labels = np.asarray(acts.targets).reshape(acts.n_samples, -1)[:, 0]
        if np.issubdtype(labels.dtype, np.floating) and not np.isfinite(labels).all() and (probe or per_class):
            bad = np.flatnonzero(~np.isfinite(labels))
            raise ValueError(f"data: the labels y hold {bad.size} NaN or infinite values (first at sample "
                             f"{int(bad[0])}); probe=True and per_class=True need a class for every sample.")
    if per_class and labels is None:
        raise ValueError("per_class=True needs labels: give data as (X, y) or batches that yield (x, y).")
    if probe and labels is None:
        raise ValueError("probe=True needs labels: give data as (X, y) or batches that yield (x, y).")

    names = _class_names(class_names, labels)
    acts_fp = kept.key(*(acts[name] for name in acts.layers), labels) if kept.active else ""
    the_scales = (0.25, 0.5, 0.75) if scales is None else scales
    key = kept.key("persistence", acts_fp, list(acts.layers), per_class, maxdim, max_points, the_scales, n_bootstrap,
                   seed, alpha)
    cached = kept.get("persistence", key)
    if cached is not None:
        profile = profile_from_data(cached)
    else:
        profile = _profile(acts, labels=labels if per_class else None, maxdim=maxdim, max_points=max_points,
                           scales=the_scales, n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, alpha=alpha)
        kept.put("persistence", key, profile_to_data(profile))
    stages.done("persistence", f"H0..H{maxdim} of {len(profile.layers)} layers")
    if acts.n_samples > max_points:
        notes.append(f"Diagrams computed on {max_points} max-min landmarks of {acts.n_samples} samples per layer; "
                     "'landmark_bound' in the table is twice the covering radius (the bottleneck error of the "
                     "landmark diagram), and no bar shorter than twice it counts as significant.")
    table = _table(profile, acts, betti=scales is not None)
    _per_class_rows(profile, table, names)

    dgms = dict(zip(profile.layers, profile.diagrams))
    matrices: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    lin = _grams([acts[layer] for layer in profile.layers], "linear") if len(profile.layers) > 1 or view else []
    if len(profile.layers) > 1:
        for k in range(maxdim + 1):
            D = _distance_matrix(profile.diagrams, profile.reference_scale, distance, n_jobs, dim=k)
            matrices[f"{distance} H{k}"] = (profile.layers, D)
            if not np.all(np.isfinite(D)):
                notes.append(f"Some {distance} H{k} layer distances are infinite: those layers have different "
                             "numbers of essential bars.")
        if combined_distance:
            D = _distance_matrix(profile.diagrams, profile.reference_scale, distance, n_jobs)
            matrices[f"{distance} H0..H{maxdim}"] = (profile.layers, D)
        matrices["linear CKA"] = (profile.layers, _cka_matrix(lin))
        matrices["RBF CKA"] = (profile.layers, _cka_matrix(_grams([acts[layer] for layer in profile.layers], "rbf")))
    stages.done("comparison")
    views = None
    if view is not None:
        views = _views(acts, profile.layers, lin, view, labels, seed, names)
        stages.done("views", views["method"])

    probes = None
    if probe_names:
        try:
            if per_sample is None:
                per_sample, _ = _probe_capture(model, data, list(probe_names), kind=probe_kind,
                                               max_samples=max_samples, batch_size=batch_size, progress=progress)
            key = kept.key("probes", kept.key(*(per_sample[n] for n in per_sample)), labels, probe_kind, maxdim, seed)
            probes = kept.get("probes", key)
            if probes is None:
                probes = kept.put("probes", key, _probe(per_sample, labels, kind=probe_kind, maxdim=maxdim, seed=seed,
                                                        n_jobs=n_jobs))
            stages.done("probes", ", ".join(f"{lay}: {t:.2f} vs shuffled {s:.2f}" for lay, t, s in
                                            zip(probes["layers"], probes["topological"], probes["shuffled"])))
        except Exception as exc:  # an optional stage: a note, never a lost run
            probes = None
            _optional_failed("probes", exc, notes)
    elif probe:
        notes.append("Probes skipped: no probe layer has per-sample structure (tokens or spatial positions).")

    loops_data, symmetry_data, pillar_findings = pillar_stages(
        model, acts, profile, lambda: X_in if X_in is not None else _inputs_in_memory(data, max_samples)[0],
        labels=labels, inputs=inputs, loops=loops and maxdim >= 1, symmetry=symmetry, max_points=max_points,
        max_samples=max_samples, n_bootstrap=n_bootstrap, batch_size=batch_size, seed=seed, done=stages.done,
        failed=lambda st, exc: _optional_failed(st, exc, notes))

    region_data = None
    if want_regions:
        if X_in is None:
            X_in, y_in = _inputs_in_memory(data, max_samples)
        if X_in is None:
            if regions is True:
                raise ValueError("regions=True needs the model's inputs in memory: give data as an array, a tensor "
                                 "or an (X, y) tuple.")
        elif len(X_in) >= 3:
            try:
                key = kept.key("regions", kept.model_fp, data_fp, seed, region_resolution)
                region_data = kept.get("regions", key)
                if region_data is None:
                    region_data = kept.put("regions", key, _regions(model, X_in, y_in, seed, region_resolution))
                stages.done("regions", f"{region_data.get('full_window_regions', region_data['n_regions'])} regions "
                                       f"on the plane ({'exact' if region_data.get('method') == 'exact' else 'grid, a lower bound'})")
            except Exception as exc:  # an optional stage: a note, never a lost run
                if regions is True and isinstance(exc, (ValueError, TypeError)):
                    raise  # asked for by name on a model it does not fit: the user's mistake, at once
                region_data = None
                _optional_failed("regions", exc, notes)
    if kept.reused:
        notes.append(f"Reused the finished stages {', '.join(kept.reused)} kept in {str(out)!r} (their data, "
                     "weights and settings are unchanged; cache=False recomputes them).")
        _log.info(notes[-1])

    from .findings import report_findings

    findings = report_findings(table, matrices=matrices, lifetimes=_significant_lifetimes(profile), probes=probes,
                               regions=region_data, alpha=alpha, n_samples=acts.n_samples) + pillar_findings
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
        "alpha": alpha,
        "significance": "significant_bars, method='bootstrap'" if n_bootstrap else None,
        "scale": "median pairwise distance of each layer",
        "per_class": per_class,
        "probe": probe,
        "probe_kind": probe_kind,
        "view": view,
        "loops": bool(loops),
        "symmetry": None if symmetry_data is None else list(symmetry_data["invariance"]),
        "seed": seed,
        "stage_seconds": stages.times,
        "provenance": _provenance(model, acts, data, max_samples, profile.diagrams, seed),
        **dict(config or {}),
    }
    return Report(title=title or f"tda_nn analysis of {type(model).__name__}", config=cfg, layers=profile.layers,
                  diagrams=dgms, table=table, matrices=matrices, probes=probes, regions=region_data, notes=notes,
                  findings=findings, views=views, loops=loops_data, symmetry=symmetry_data)


def _class_names(class_names: Any, labels: Any) -> dict[Any, str]:
    """Label -> display name: a sequence is indexed by integer labels, a dict looked up."""
    if class_names is None:
        return {}
    if isinstance(class_names, Mapping):
        return {_plain(k): str(v) for k, v in class_names.items()}
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names must be a sequence of str or a dict of label -> str, got "
                        f"{type(class_names).__name__}.")
    names = {i: str(v) for i, v in enumerate(class_names)}
    if labels is not None:
        missing = [v for v in np.unique(labels).tolist() if v not in names]
        if missing:
            raise ValueError(f"class_names has {len(names)} names, but the labels include {missing[:5]}; give one "
                             "name per class (indexed by the integer label) or a dict.")
    return names


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


def _series_plan(model: Any, data: Any, layers: Any, *, n_models: int, red: str, max_samples: int, max_points: int,
                 maxdim: int, batch_size: int, regions: bool, max_memory: Any, max_time: Any) -> tuple[Any, Any]:
    """The plan of one model of a series (each is planned alike), from one small forward pass; refuses early."""
    from ._runs import resolve_plan
    from .nn.capturing import iter_batches

    if max_time is not None:
        max_time = check_real(max_time, name="max_time", min_value=0.0, strict=True)
    _, bound, _ = iter_batches(data, batch_size)
    plan, _, data = resolve_plan(
        model, data, layers, n_samples=min(max_samples, bound) if bound is not None else max_samples, maxdim=maxdim,
        max_points=max_points, n_bootstrap=0, probe=False, probe_layers=None, probe_kind="cloud",
        tokens=red == "mean", regions=regions, regions_note="", max_memory=max_memory,
        max_time=None if max_time is None else max_time / n_models)
    return plan, data


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
    max_memory: int | float | str | None = None,
    max_time: float | None = None,
    dry_run: bool = False,
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
    max_memory, max_time, dry_run
        As in :func:`analyze`: the first model is planned with one small forward pass
        before any capture; ``dry_run=True`` returns that :class:`~tda_nn.plan.Plan`.

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
    plan, data = _series_plan(models[0], data, layers, n_models=len(models), red=red, max_samples=max_samples,
                              max_points=max_points, maxdim=maxdim, batch_size=batch_size, regions=False,
                              max_memory=max_memory, max_time=max_time)
    if check_flag(dry_run, name="dry_run"):
        return plan
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
        matrices[f"CKA: {layer}"] = (tuple(names), _cka_matrix(_grams([a[layer] for a in acts_list], "linear")))
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
    max_memory: int | float | str | None = None,
    max_time: float | None = None,
    dry_run: bool = False,
) -> Report | Plan:
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
    max_memory, max_time, dry_run
        As in :func:`compare_checkpoints`.

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
    plan, data = _series_plan(models[0], data, layers, n_models=len(models), red=red, max_samples=max_samples,
                              max_points=max_points, maxdim=maxdim, batch_size=batch_size, regions=want_regions,
                              max_memory=max_memory, max_time=max_time)
    if check_flag(dry_run, name="dry_run"):
        return plan
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
