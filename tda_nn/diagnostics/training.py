"""Topology over training: a callback for your own loop, and a pass over saved checkpoints.

* :class:`TopologyMonitor` -- call it once per step or epoch; every ``every``-th call
  it captures the probe data's activations (:func:`tda_nn.capture`), profiles every
  layer (:func:`~tda_nn.diagnostics.layers.layer_profile`) and measures how far each
  layer's diagrams moved since the previous record; for a ReLU network it also counts
  the activation regions the probe data meets
  (:func:`~tda_nn.diagnostics.regions.region_counts`).
* :func:`track_checkpoints` -- the same over a list of checkpoint files or state dicts.

Both give a :class:`TrainingTrace`, saved as a directory: ``trace.json`` (steps,
profiles without diagrams, distances, region counts), one :class:`~tda_nn.Diagrams`
``.npz`` per step and layer, and optionally one :class:`~tda_nn.Activations` ``.npz``
per step.
Only this module's ``TopologyMonitor`` and ``track_checkpoints`` import torch, and
only when called.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._validation import as_numpy, check_choice, check_int
from ..diagrams import Diagrams, _jsonable, _unjson
from .layers import LayerProfile, layer_profile

__all__ = ["TopologyMonitor", "TrainingTrace", "track_checkpoints"]

StepMetric = Literal["wasserstein", "bottleneck", "sliced_wasserstein"]
_FORMAT = "tda_nn.TrainingTrace/1"
_SERIES = ("betti", "total_persistence", "entropy", "n_significant", "intrinsic_dim", "noise_level", "distance",
           "regions", "plane_regions")
_PATTERNS = "patterns/"  # region_counts' key prefix of the cumulative count up to a layer
_REGION_KWARGS = ("plane", "resolution", "seed", "layers", "batch_size")


@dataclass(frozen=True, eq=False, repr=False)
class TrainingTrace:
    """A time series of layer profiles.

    Attributes
    ----------
    steps : tuple of int
        The training step (or epoch) of every record.
    layers : tuple of str
    profiles : tuple of LayerProfile
        One per step; ``profiles[t].diagrams[i]`` are layer ``i``'s diagrams at ``steps[t]``.
    distances : ndarray of shape (n_steps, n_layers)
        Distance (``metric``, homology ``dim``) between a layer's diagrams at a step and
        at the step before, in units of each layer's reference scale when the
        profiles are relative; row 0 is NaN.
    metric : str
    dim : int or None
    activations : tuple of Activations, or None
        The captured probe activations per step, when kept.
    regions : tuple of dict of str to float, or None
        Per step, the :func:`~tda_nn.diagnostics.regions.region_counts` of the probe
        inputs (``'patterns'``, ``'patterns_fraction'``, ``'patterns/<layer>'``,
        ``'plane_regions'``), when recorded; see :meth:`series` ``'regions'``.
    """

    steps: tuple[int, ...]
    layers: tuple[str, ...]
    profiles: tuple[LayerProfile, ...]
    distances: np.ndarray
    metric: str = "wasserstein"
    dim: int | None = 1
    activations: tuple[Any, ...] | None = None
    regions: tuple[Mapping[str, float], ...] | None = None

    def __post_init__(self) -> None:
        d = np.array(self.distances, dtype=np.float64).reshape(len(self.steps), len(self.layers))
        d.setflags(write=False)
        object.__setattr__(self, "distances", d)
        object.__setattr__(self, "steps", tuple(int(s) for s in self.steps))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "profiles", tuple(self.profiles))
        if self.activations is not None:
            object.__setattr__(self, "activations", tuple(self.activations))
        if self.regions is not None:
            if len(self.regions) != len(self.steps) or not all(isinstance(r, Mapping) for r in self.regions):
                kinds = sorted({type(r).__name__ for r in self.regions})
                raise ValueError(f"regions must hold one dict of region counts per step ({len(self.steps)}), got "
                                 f"{len(self.regions)} entries of types {kinds}.")
            object.__setattr__(self, "regions", tuple({str(k): float(v) for k, v in r.items()} for r in self.regions))

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        span = f"steps {self.steps[0]}..{self.steps[-1]}" if self.steps else "empty"
        regions = ", region counts" if self.regions is not None else ""
        return f"TrainingTrace({len(self.steps)} records, {span}, {len(self.layers)} layers, {self.metric}{regions})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrainingTrace):
            return NotImplemented
        acts_equal = (self.activations is None and other.activations is None) or (
            self.activations is not None and other.activations is not None
            and len(self.activations) == len(other.activations)
            and all(a == b for a, b in zip(self.activations, other.activations)))
        return (self.steps == other.steps and self.layers == other.layers and self.metric == other.metric
                and self.dim == other.dim and self.profiles == other.profiles
                and bool(np.array_equal(self.distances, other.distances, equal_nan=True)) and acts_equal
                and self.regions == other.regions)

    __hash__ = None  # type: ignore[assignment]

    @property
    def region_layers(self) -> tuple[str, ...]:
        """The ReLU-type layers of the ``'regions'`` series, in call order (empty without region counts)."""
        if not self.regions:
            return ()
        return tuple(k[len(_PATTERNS):] for k in self.regions[0] if k.startswith(_PATTERNS))

    def series(self, name: str, *, dim: int = 1, scale: int = 0) -> np.ndarray:
        """One quantity over steps, shape ``(n_steps, n_layers)``.

        ``name`` is one of ``'betti'`` (at ``scales[scale]``), ``'total_persistence'``,
        ``'entropy'``, ``'n_significant'`` (of H_``dim``), ``'intrinsic_dim'``,
        ``'noise_level'`` or ``'distance'`` (to the previous record), with one column
        per layer of :attr:`layers`; or, for traces with region counts, ``'regions'``
        (shape ``(n_steps, len(region_layers))``: the number of distinct activation
        patterns of the ReLU layers up to each of :attr:`region_layers` on the probe
        inputs, so the last column counts the whole network's regions met by the
        probe) or ``'plane_regions'`` (shape ``(n_steps, 1)``: regions on the plane
        through three probe samples; NaN when the plane was skipped).

        Raises
        ------
        ValueError
            ``name`` is unknown, or names a region series and the trace has no region counts.
        """
        check_choice(name, name="name", choices=_SERIES)
        if name == "distance":
            return self.distances.copy()
        if name in ("regions", "plane_regions"):
            if self.regions is None:
                raise ValueError(f"series {name!r}: this trace has no region counts; record them with "
                                 "TopologyMonitor(..., regions=True) or track_checkpoints(..., regions=True) "
                                 "(the model needs ReLU-type modules).")
            keys = [_PATTERNS + n for n in self.region_layers] if name == "regions" else ["plane_regions"]
            rows = [[r.get(k, np.nan) for k in keys] for r in self.regions]
            return np.array(rows, dtype=np.float64).reshape(len(self.steps), len(keys))
        out = np.full((len(self.steps), len(self.layers)), np.nan)
        for t, p in enumerate(self.profiles):
            if name == "betti":
                out[t] = p.betti_sequence(dim=dim, scale=scale)
            elif name in ("intrinsic_dim", "noise_level"):
                v = getattr(p, name)
                if v is not None:
                    out[t] = v
            else:
                v = getattr(p, name)
                if v is not None:
                    out[t] = v[:, dim]
        return out

    # -- storage ----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trace into directory ``path`` (created); returns it.

        ``trace.json`` holds everything (region counts included) but the diagrams and
        activations, which are written as ``step_{t}/{i}.npz`` (:meth:`Diagrams.save`,
        layer ``i``; per-class diagrams as ``step_{t}/class_{c}_{i}.npz``) and
        ``step_{t}/activations.npz`` (:meth:`Activations.save`).
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for t, prof in enumerate(self.profiles):
            folder = path / f"step_{t}"
            folder.mkdir(exist_ok=True)
            for i, d in enumerate(prof.diagrams):
                d.save(folder / f"{i}.npz")
            for c, sub in enumerate(prof.per_class.values()):
                for i, d in enumerate(sub.diagrams):
                    d.save(folder / f"class_{c}_{i}.npz")
            if self.activations is not None:
                self.activations[t].save(folder / "activations.npz")
        body = {
            "format": _FORMAT, "steps": list(self.steps), "layers": list(self.layers), "metric": self.metric,
            "dim": self.dim, "distances": self.distances.tolist(), "has_activations": self.activations is not None,
            "profiles": [p.to_dict(include_diagrams=False) for p in self.profiles],
            "regions": None if self.regions is None else [dict(r) for r in self.regions],
        }
        tmp = path / "trace.json.tmp"
        tmp.write_text(json.dumps(_jsonable(body), allow_nan=False))
        tmp.replace(path / "trace.json")  # written last: an interrupted save has no trace.json
        return path

    @classmethod
    def load(cls, path: str | Path) -> TrainingTrace:
        """Read a directory written by :meth:`save`."""
        from ..activations import Activations

        path = Path(path)
        manifest = path / "trace.json"
        if not manifest.exists():
            raise FileNotFoundError(f"{str(path)!r} holds no trace.json: not a saved TrainingTrace (or its save "
                                    "was interrupted).")
        body = _unjson(json.loads(manifest.read_text()))
        if body.get("format") != _FORMAT:
            raise ValueError(f"{str(manifest)!r} has format {body.get('format')!r}, expected {_FORMAT!r}.")
        profiles = []
        for t, pd in enumerate(body["profiles"]):
            folder = path / f"step_{t}"
            dgms = [Diagrams.load(folder / f"{i}.npz") for i in range(len(pd["layers"]))]
            per_class = {}
            for c, (label, sub) in enumerate(zip(pd["classes"], pd["per_class"])):
                sub_dgms = [Diagrams.load(folder / f"class_{c}_{i}.npz") for i in range(len(sub["layers"]))]
                per_class[label] = LayerProfile.from_dict(sub, diagrams=sub_dgms)
            base = LayerProfile.from_dict({**pd, "classes": [], "per_class": []}, diagrams=dgms)
            fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
            profiles.append(LayerProfile(**{**fields, "per_class": per_class}))
        acts = None
        if body["has_activations"]:
            acts = tuple(Activations.load(path / f"step_{t}" / "activations.npz") for t in range(len(profiles)))
        dist = np.array(body["distances"], dtype=np.float64).reshape(len(body["steps"]), len(body["layers"]))
        return cls(tuple(body["steps"]), tuple(body["layers"]), tuple(profiles), dist, body["metric"], body["dim"],
                   acts, body.get("regions"))  # traces saved before region counts have no "regions"


def _step_distance(a: Diagrams, b: Diagrams, ra: float, rb: float, metric: str, dim: int | None) -> float:
    from .. import distances

    a = Diagrams([np.asarray(x) / ra for x in a])
    b = Diagrams([np.asarray(x) / rb for x in b])
    return float(getattr(distances, metric)(a, b, dim=dim))


def _probe_inputs(data: Any, capture_kwargs: Mapping[str, Any]) -> np.ndarray | None:
    """The model inputs of the probe data as one array (the first ``max_samples``), or None for dict inputs."""
    from ..capture import _is_arraylike, _iter_batches

    limit = capture_kwargs.get("max_samples")
    batches, _, _ = _iter_batches(data, int(capture_kwargs.get("batch_size", 256)))
    chunks, n = [], 0
    for x, _ in batches:
        if not _is_arraylike(x):
            return None
        chunks.append(as_numpy(x, name="probe_data"))
        n += len(chunks[-1])
        if limit is not None and n >= limit:
            break
    if not chunks:
        raise ValueError("probe_data yielded no batches; region counts need the probe inputs.")
    X = np.concatenate(chunks)
    return X if limit is None else X[:limit]


def _resolve_regions(model: Any, regions: bool | str, layers: Any) -> bool:
    """Whether to count regions: ``'auto'`` means the model has ReLU-type modules (or ``layers`` names some)."""
    if regions is False:
        return False
    from .regions import _RELU_TYPES, _check_model, _sign_modules

    if regions == "auto" and layers is None:
        named = getattr(model, "named_modules", None)
        return callable(named) and any(n and type(m).__name__ in _RELU_TYPES for n, m in named())
    _check_model(model)
    try:
        _sign_modules(model, layers)
    except ValueError as exc:
        raise ValueError(f"regions={regions!r}: {exc} Or pass regions=False.") from None
    return True


class TopologyMonitor:
    """Record the topology of every layer during training, one call per step or epoch.

    Every ``every``-th call captures the activations of ``probe_data`` at ``layers``
    (:func:`tda_nn.capture`, which runs in eval mode and restores the model's mode),
    profiles them with :func:`~tda_nn.diagnostics.layers.layer_profile` and computes,
    per layer, the ``metric`` distance between the new diagrams and the previous
    record's (scaled by each layer's reference scale when the profile is relative).
    For a ReLU network it also counts the activation regions of the probe inputs
    (:func:`~tda_nn.diagnostics.regions.region_counts`), read back with
    ``trace.series('regions')``.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained (a call may pass another, e.g. an EMA copy).
    probe_data : tensor, ndarray, (X, y) tuple or DataLoader
        A fixed set of inputs, captured at every record (keep it small: a few hundred samples).
    layers : str, type, or list of them, optional
        As in :func:`tda_nn.capture`.
    every : int, default=1
        Record on calls 0, every, 2 * every, ...
    maxdim : int, default=1
    metric : {'wasserstein', 'bottleneck', 'sliced_wasserstein'}, default='wasserstein'
        Distance between consecutive records.
    dim : int or None, default=1
        Homology dimension of that distance (None: all).
    per_class : bool, default=False
        Also profile each class of the probe's targets.
    keep_activations : bool, default=False
        Keep the captured activations in the trace (and its saved directory).
    profile_kwargs : dict, optional
        More :func:`layer_profile` options; default ``{'n_bootstrap': 0}`` (no bootstrap).
    capture_kwargs : dict, optional
        More :func:`tda_nn.capture` options (``reduce``, ``batch_size``, ...).
    regions : bool or 'auto', default='auto'
        At every record, also call :func:`~tda_nn.diagnostics.regions.region_counts`
        on the probe inputs (the first ``capture_kwargs['max_samples']`` of them) and
        keep the counts in :attr:`TrainingTrace.regions`. ``'auto'``: when the model
        has ``nn.ReLU``-type modules (or ``region_kwargs`` names ``layers``) and the
        probe's inputs are tensors or arrays (not dicts); ``True`` raises otherwise.
        Costs one pass over the probe and one over ``resolution**2`` plane points.
    region_kwargs : dict, optional
        :func:`region_counts` options: ``plane`` (default ``'data'``; ``None`` skips
        the plane), ``resolution`` (default 64), ``seed``, ``layers``, ``batch_size``.

    Attributes
    ----------
    regions_active : bool
        Whether region counts are recorded (``regions`` resolved against the model,
        and at the first record against the probe inputs).

    Raises
    ------
    ValueError
        ``regions=True`` and the model has no ReLU-type modules; an unknown
        ``region_kwargs`` key; bad ``every``, ``maxdim``, ``metric`` or ``dim``.
    TypeError
        At the first record, ``regions=True`` and the probe's inputs are dicts.

    Examples
    --------
    >>> import torch
    >>> from tda_nn import zoo
    >>> X = torch.randn(64, 2)
    >>> y = (X[:, 0] > 0).long()
    >>> model = zoo.mlp(2, 8, 2, 2)
    >>> monitor = TopologyMonitor(model, X, layers=["act0", "act1"])
    >>> _ = zoo.train_classifier(model, X.numpy(), y.numpy(), epochs=3, callback=monitor)
    >>> monitor.trace.steps, monitor.trace.distances.shape
    ((0, 1, 2), (3, 2))
    >>> monitor.trace.region_layers, monitor.trace.series("regions").shape
    (('act0', 'act1'), (3, 2))
    """

    def __init__(self, model: Any, probe_data: Any, layers: Any = None, *, every: int = 1, maxdim: int = 1,
                 metric: StepMetric = "wasserstein", dim: int | None = 1, per_class: bool = False,
                 keep_activations: bool = False, profile_kwargs: Mapping[str, Any] | None = None,
                 capture_kwargs: Mapping[str, Any] | None = None, regions: bool | Literal["auto"] = "auto",
                 region_kwargs: Mapping[str, Any] | None = None):
        self.model = model
        self.probe_data = probe_data
        self.layers = layers
        self.every = check_int(every, name="every", min_value=1)
        self.maxdim = check_int(maxdim, name="maxdim", min_value=0)
        self.metric = check_choice(metric, name="metric", choices=("wasserstein", "bottleneck", "sliced_wasserstein"))
        if dim is not None:
            dim = check_int(dim, name="dim", min_value=0, max_value=self.maxdim)
        self.dim = dim
        for flag, value in (("per_class", per_class), ("keep_activations", keep_activations)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{flag} must be True or False, got {value!r}.")
        self.per_class = bool(per_class)
        self.keep_activations = bool(keep_activations)
        self.profile_kwargs = {"n_bootstrap": 0, **(profile_kwargs or {})}
        self.capture_kwargs = {"progress": False, **(capture_kwargs or {})}
        if isinstance(regions, str):
            check_choice(regions, name="regions", choices=("auto",))
        elif not isinstance(regions, (bool, np.bool_)):
            raise TypeError(f"regions must be True, False or 'auto', got {type(regions).__name__} {regions!r}.")
        else:
            regions = bool(regions)
        self.regions = regions
        if region_kwargs is not None and not isinstance(region_kwargs, Mapping):
            raise TypeError("region_kwargs must be a dict of region_counts options, got "
                            f"{type(region_kwargs).__name__}.")
        unknown = sorted(set(region_kwargs or {}) - set(_REGION_KWARGS))
        if unknown:
            raise ValueError(f"region_kwargs: unknown option(s) {unknown}; region_counts takes {list(_REGION_KWARGS)}.")
        self.region_kwargs = dict(region_kwargs or {})
        self.regions_active = _resolve_regions(model, regions, self.region_kwargs.get("layers"))
        self._region_inputs: np.ndarray | None = None
        self._calls = 0
        self._steps: list[int] = []
        self._profiles: list[LayerProfile] = []
        self._distances: list[np.ndarray] = []
        self._acts: list[Any] = []
        self._regions: list[dict[str, float]] = []

    def __repr__(self) -> str:
        return f"TopologyMonitor(every={self.every}, {len(self._steps)} records, metric={self.metric!r})"

    def __call__(self, model: Any = None, step: int | None = None) -> LayerProfile | None:
        """Record now if this call is due; returns the new profile, or None.

        ``step`` labels the record (default: the number of calls so far), so
        ``train_classifier(..., callback=monitor)`` records epochs.
        """
        call = self._calls
        self._calls += 1
        if call % self.every:
            return None
        label = call if step is None else check_int(step, name="step")
        return self.record(model, label)

    def step(self, step: int | None = None, model: Any = None) -> LayerProfile | None:
        """Same as calling the monitor."""
        return self(model, step)

    def record(self, model: Any = None, step: int | None = None) -> LayerProfile:
        """Capture and profile now, whatever ``every`` says."""
        from ..capture import capture

        model = self.model if model is None else model
        acts = capture(model, self.probe_data, self.layers, **self.capture_kwargs)
        labels = None
        if self.per_class:
            if acts.targets is None:
                raise ValueError("per_class=True needs targets: give probe_data as (X, y) or a loader of (x, y).")
            labels = np.asarray(acts.targets).reshape(len(acts.targets), -1)[:, 0]
        profile = layer_profile(acts, labels=labels, maxdim=self.maxdim, **self.profile_kwargs)
        if self._profiles:
            prev = self._profiles[-1]
            if prev.layers != profile.layers:
                raise ValueError(f"the captured layers changed between records: {list(prev.layers)} before, "
                                 f"{list(profile.layers)} now.")
            dist = np.array([
                _step_distance(a, b, ra, rb, self.metric, self.dim)
                for a, b, ra, rb in zip(prev.diagrams, profile.diagrams, prev.reference_scale, profile.reference_scale)
            ])
        else:
            dist = np.full(len(profile.layers), np.nan)
        counts = self._count_regions(model) if self.regions_active else None
        self._steps.append(len(self._steps) if step is None else int(step))
        self._profiles.append(profile)
        self._distances.append(dist)
        if self.keep_activations:
            self._acts.append(acts)
        if counts is not None:
            self._regions.append(counts)
        return profile

    def _count_regions(self, model: Any) -> dict[str, float] | None:
        """region_counts of the probe inputs; None when 'auto' finds dict inputs (and turns counting off)."""
        from .regions import region_counts

        if self._region_inputs is None:
            X = _probe_inputs(self.probe_data, self.capture_kwargs)
            if X is None:
                if self.regions is True:
                    raise TypeError("regions=True needs probe_data whose model inputs are tensors or arrays; these "
                                    "are dicts of tensors. Pass regions=False.")
                self.regions_active = False
                return None
            self._region_inputs = X
        with warnings.catch_warnings():
            if self._regions:  # region_counts' warning about non-ReLU nonlinearities: once, at the first record
                warnings.simplefilter("ignore")
            counts = region_counts(model, self._region_inputs, **self.region_kwargs)
        if self._regions and set(counts) != set(self._regions[-1]):
            raise ValueError(f"the region counts changed keys between records: {sorted(self._regions[-1])} before, "
                             f"{sorted(counts)} now.")
        return counts

    @property
    def trace(self) -> TrainingTrace:
        """Everything recorded so far."""
        if not self._profiles:
            raise ValueError("nothing recorded yet: call the monitor (monitor(model) or monitor.step()) first.")
        return TrainingTrace(tuple(self._steps), self._profiles[0].layers, tuple(self._profiles),
                             np.vstack(self._distances), self.metric, self.dim,
                             tuple(self._acts) if self.keep_activations else None,
                             tuple(self._regions) if self.regions_active else None)


def track_checkpoints(
    checkpoints: Sequence[Any],
    build_model: Any,
    data: Any,
    *,
    layers: Any = None,
    steps: Sequence[int] | None = None,
    trust: bool = False,
    regions: bool | Literal["auto"] = "auto",
    **monitor_kwargs: Any,
) -> TrainingTrace:
    """Profile every layer at every checkpoint of a training run.

    Parameters
    ----------
    checkpoints : sequence of str, Path or state dict
        In training order. Paths are loaded with
        :func:`tda_nn.checkpoints.load_model` (``weights_only`` unless ``trust``);
        state dicts go to ``build_model().load_state_dict``.
    build_model : callable or 'package.module:factory'
        Builds the untrained architecture.
    data : tensor, ndarray, (X, y) tuple or DataLoader
        The probe inputs, the same for every checkpoint.
    layers : optional
        As in :func:`tda_nn.capture`.
    steps : sequence of int, optional
        The step of each checkpoint (default ``0, 1, ...``).
    trust : bool, default=False
        Allow pickled whole-model checkpoints (only for files you trust).
    regions : bool or 'auto', default='auto'
        Also count the activation regions of ``data`` at every checkpoint, as in
        :class:`TopologyMonitor` (``'auto'``: when the model has ReLU-type modules);
        read them with ``trace.series('regions')``.
    **monitor_kwargs
        :class:`TopologyMonitor` options (``maxdim``, ``metric``, ``per_class``,
        ``region_kwargs``, ...).

    Returns
    -------
    TrainingTrace

    Examples
    --------
    >>> import torch
    >>> from tda_nn import zoo
    >>> states = [zoo.mlp(2, 8, 2, 2).state_dict() for _ in range(2)]
    >>> trace = track_checkpoints(states, lambda: zoo.mlp(2, 8, 2, 2), torch.randn(50, 2), layers="act1")
    >>> trace.steps
    (0, 1)
    """
    from ..checkpoints import load_factory, load_model

    if isinstance(checkpoints, (str, bytes, Path, Mapping)) or not isinstance(checkpoints, Sequence):
        raise TypeError(f"checkpoints must be a list of paths or state dicts, got {type(checkpoints).__name__}.")
    if len(checkpoints) == 0:
        raise ValueError("checkpoints is empty; give at least one path or state dict.")
    if steps is None:
        steps = list(range(len(checkpoints)))
    elif len(steps) != len(checkpoints):
        raise ValueError(f"steps must have one entry per checkpoint ({len(checkpoints)}), got {len(steps)}.")
    build = load_factory(build_model) if isinstance(build_model, str) else build_model
    if not callable(build):
        raise TypeError(f"build_model must be a callable returning the model, got {type(build_model).__name__}.")
    monitor: TopologyMonitor | None = None
    for ckpt, step in zip(checkpoints, steps):
        if isinstance(ckpt, Mapping):
            model = build()
            model.load_state_dict(ckpt)
            model.eval()
        elif isinstance(ckpt, (str, Path)):
            model = load_model(build, ckpt, trust=trust)
        else:
            raise TypeError(f"each checkpoint must be a path or a state dict, got {type(ckpt).__name__}.")
        if monitor is None:
            monitor = TopologyMonitor(model, data, layers, regions=regions, **monitor_kwargs)
        monitor.record(model, step=step)
    assert monitor is not None
    return monitor.trace
