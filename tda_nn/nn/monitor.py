"""Topology over training: a callback for your own loop, and a pass over saved checkpoints.

* :class:`TopologyMonitor` -- call it once per step or epoch; every ``every``-th call
  it captures the probe data's activations (:func:`tda_nn.nn.capturing`), profiles every
  layer (:func:`~tda_nn.diagnostics.layers.layer_profile`) and measures how far each
  layer's diagrams moved since the previous record; for a ReLU network it also counts
  the activation regions the probe data meets
  (:func:`~tda_nn.nn.regions.region_counts`).
* :func:`track_checkpoints` -- the same over a list of checkpoint files or state dicts.

Both give a :class:`TrainingTrace`, saved as a directory: ``trace.json`` (steps,
profiles without diagrams, distances, region counts), one :class:`~tda_nn.Diagrams`
``.npz`` per step and layer, and optionally one :class:`~tda_nn.Activations` ``.npz``
per step.
Only this module's ``TopologyMonitor`` and ``track_checkpoints`` import torch, and
only when called.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..diagnostics.layers import LayerProfile, layer_profile
from ..diagnostics.trace import StepMetric, TrainingTrace, step_distance
from ..validation import check_choice, check_flag, check_flag_or_auto, check_int

__all__ = ["TopologyMonitor", "track_checkpoints"]

_REGION_KWARGS = ("plane", "resolution", "seed", "layers", "batch_size")

def _resolve_regions(model: Any, regions: bool | str, layers: Any) -> bool:
    """Whether to count regions: ``'auto'`` means the model has ReLU-type modules (or ``layers`` names some)."""
    if regions is False:
        return False
    from .regions import check_region_model, has_relu, sign_modules

    if regions == "auto" and layers is None:
        return has_relu(model)
    check_region_model(model)
    try:
        sign_modules(model, layers)
    except ValueError as exc:
        raise ValueError(f"regions={regions!r}: {exc} Or pass regions=False.") from None
    return True


class TopologyMonitor:
    """Record the topology of every layer during training, one call per step or epoch.

    Every ``every``-th call captures the activations of ``probe_data`` at ``layers``
    (:func:`tda_nn.nn.capturing`, which runs in eval mode and restores the model's mode),
    profiles them with :func:`~tda_nn.diagnostics.layers.layer_profile` and computes,
    per layer, the ``metric`` distance between the new diagrams and the previous
    record's (scaled by each layer's reference scale when the profile is relative).
    For a ReLU network it also counts the activation regions of the probe inputs
    (:func:`~tda_nn.nn.regions.region_counts`), read back with
    ``trace.series('regions')``.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained (a call may pass another, e.g. an EMA copy).
    probe_data : tensor, ndarray, (X, y) tuple or DataLoader
        A fixed set of inputs, captured at every record (keep it small: a few hundred samples).
    layers : str, type, or list of them, optional
        As in :func:`tda_nn.nn.capturing`.
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
        More :func:`tda_nn.nn.capturing` options (``reduce``, ``batch_size``, ...).
    regions : bool or 'auto', default='auto'
        At every record, also call :func:`~tda_nn.nn.regions.region_counts`
        on the probe inputs (the first ``capture_kwargs['max_samples']`` of them) and
        keep the counts in :attr:`TrainingTrace.regions`. ``'auto'``: when the model
        has ``nn.ReLU``-type modules (or ``region_kwargs`` names ``layers``) and the
        probe's inputs are tensors or arrays (not dicts); ``True`` raises otherwise.
        Costs one pass over the probe and one over ``resolution**2`` plane points.
    local_complexity : bool, default=False
        With region counts, also record :func:`~tda_nn.nn.regions.local_complexity`
        (Humayun et al. 2024) of the first 256 probe inputs at every record: keys
        ``local_complexity`` (with ``_low``/``_high`` bootstrap bounds) and
        ``local_complexity/<layer>`` in the region series, drawn by
        :func:`tda_nn.plotting.plot_region_counts`.
    complexity_kwargs : dict, optional
        Options of :func:`~tda_nn.nn.regions.local_complexity` (``radius``,
        ``n_directions``, ``seed``, ...); keep them fixed across records.
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
                 region_kwargs: Mapping[str, Any] | None = None, local_complexity: bool = False,
                 complexity_kwargs: Mapping[str, Any] | None = None):
        from .regions import check_region_model

        check_region_model(model)  # a module, with real, finite weights
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
            check_flag(value, name=flag)
        self.per_class = bool(per_class)
        self.keep_activations = bool(keep_activations)
        self.profile_kwargs = {"n_bootstrap": 0, **(profile_kwargs or {})}
        self.capture_kwargs = {"progress": False, **(capture_kwargs or {})}
        self.regions = check_flag_or_auto(regions, name="regions")
        if region_kwargs is not None and not isinstance(region_kwargs, Mapping):
            raise TypeError("region_kwargs must be a dict of region_counts options, got "
                            f"{type(region_kwargs).__name__}.")
        unknown = sorted(set(region_kwargs or {}) - set(_REGION_KWARGS))
        if unknown:
            raise ValueError(f"region_kwargs: unknown option(s) {unknown}; region_counts takes {list(_REGION_KWARGS)}.")
        self.region_kwargs = dict(region_kwargs or {})
        self.local_complexity = check_flag(local_complexity, name="local_complexity")
        if complexity_kwargs is not None and not isinstance(complexity_kwargs, Mapping):
            raise TypeError("complexity_kwargs must be a dict of local_complexity options, got "
                            f"{type(complexity_kwargs).__name__}.")
        self.complexity_kwargs = dict(complexity_kwargs or {})
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
        from .capturing import capture

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
                step_distance(a, b, ra, rb, self.metric, self.dim)
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
            from .capturing import inputs_in_memory

            X, _ = inputs_in_memory(self.probe_data, self.capture_kwargs.get("max_samples"),
                                    batch_size=int(self.capture_kwargs.get("batch_size", 256)), name="probe_data")
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
            if self.local_complexity:
                from .regions import local_complexity

                lc = local_complexity(model, self._region_inputs[:256], **self.complexity_kwargs)
                counts.update(lc.as_dict())
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
        :func:`tda_nn.nn.checkpoints.load_model` (``weights_only`` unless ``trust``);
        state dicts go to ``build_model().load_state_dict``.
    build_model : callable or 'package.module:factory'
        Builds the untrained architecture.
    data : tensor, ndarray, (X, y) tuple or DataLoader
        The probe inputs, the same for every checkpoint.
    layers : optional
        As in :func:`tda_nn.nn.capturing`.
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
    from .checkpoints import load_factory, load_model

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
