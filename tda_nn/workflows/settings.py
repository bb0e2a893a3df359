"""The settings of each workflow: one frozen dataclass per workflow, validated once, named as the CLI flags.

:class:`AnalyzeSettings`, :class:`CompareSettings` and :class:`TrackSettings` share
:class:`Settings` (what every workflow takes: samples, landmarks, homology, the run's
budget, cache and output). Each field's metadata says how the command line sets it
(``flag``, ``help``, argparse options), so ``tda-nn`` builds its flags from these classes
(:mod:`tda_nn.cli`) and a test checks that the two never drift. Every value is checked
once, in ``__post_init__``; a bad one is a ``ValueError``/``TypeError`` naming the field.

**One landmark policy.** ``max_points`` is the number of points of every cloud that goes
into persistence: a layer with more samples is reduced to ``max_points`` max-min
landmarks (:meth:`Settings.n_landmarks`, the only place that rule lives), and the plan,
the persistence, the loops and the series all ask it.

Floor: application. Imports the helpers (``validation``, ``budgets``) only; the symmetry action names
are parsed by the torch wing's :func:`~tda_nn.nn.symmetry_summary.parse_actions`, inside
``__post_init__``, only when ``symmetry`` is given.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..budgets import parse_memory
from ..validation import (
    check_choice,
    check_flag,
    check_flag_or_auto,
    check_int,
    check_probability,
    check_real,
)

__all__ = ["AnalyzeSettings", "CompareSettings", "METRICS", "REDUCE", "Settings", "TrackSettings", "cli_fields",
           "landmark_count"]

REDUCE = ("auto", "mean", "max", "flatten", "cls", "first")
METRICS = ("wasserstein", "bottleneck", "sliced_wasserstein")


def _opt(default: Any, help: str, *, flag: str | None = None, cli: bool = True, **argparse: Any) -> Any:
    """A settings field with its command-line flag (``flag=None``: ``--name-with-dashes``)."""
    convert = argparse.pop("convert", None)
    meta = {"help": help, "flag": flag, "cli": cli, "convert": convert, "argparse": argparse}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def _setter(obj: Any) -> Any:
    """``put(name, value)``: how a frozen dataclass stores its checked values, once, in ``__post_init__``."""
    return lambda name, value: object.__setattr__(obj, name, value)


def _regions_flag(value: str) -> bool | str:
    return {"on": True, "off": False}.get(value, value)


def _comma_list(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


@dataclass(frozen=True)
class Settings:
    """What every workflow takes. See :func:`tda_nn.analyze` for each field's meaning."""

    layers: Any = _opt(None, "module names or glob patterns (default: the model's main layers; --dry-run lists them)",
                       nargs="+")
    reduce: str = _opt("auto", "how a layer's output becomes one point per sample (auto: a mean over tokens for "
                               "texts, every unit otherwise)", choices=REDUCE)
    max_samples: int = _opt(1000, "samples to capture", type=int)
    max_points: int = _opt(500, "points per cloud: a layer with more samples is reduced to this many max-min "
                                "landmarks", type=int)
    maxdim: int = _opt(1, "highest homology dimension", type=int)
    batch_size: int = _opt(256, "samples per forward pass", type=int)
    seed: int = _opt(0, "seeds landmarks, bootstraps, probes and the region plane", type=int)
    progress: bool = _opt(True, "progress bars (the stage log stays; --quiet silences it)", flag="--no-progress",
                          action="store_const", const=False)
    title: str | None = _opt(None, "the report's title")
    config: Mapping[str, Any] | None = _opt(None, "recorded in the report as how it was made", cli=False)
    max_memory: Any = _opt(None, "memory budget of the persistence stage (bytes or '8GB'; default: half the RAM)")
    max_time: float | None = _opt(None, "refuse a plan estimated above this many seconds", type=float)
    dry_run: bool = _opt(False, "resolve every option on one small batch, print the plan, write nothing",
                         action="store_const", const=True)
    out: Any = _opt(None, "output directory; its .tda_nn_cache/ keeps finished stages")
    cache: bool = _opt(True, "recompute every stage (a re-run with the same --out otherwise reuses the unchanged "
                             "ones)", flag="--no-cache", action="store_const", const=False)

    _metric_field = "distance"

    def __post_init__(self) -> None:
        put = _setter(self)
        put("reduce", check_choice(self.reduce, name="reduce", choices=REDUCE))
        put("max_samples", check_int(self.max_samples, name="max_samples", min_value=3))
        put("max_points", check_int(self.max_points, name="max_points", min_value=3))
        put("maxdim", check_int(self.maxdim, name="maxdim", min_value=0))
        put("batch_size", check_int(self.batch_size, name="batch_size", min_value=1))
        put("seed", check_int(self.seed, name="seed", min_value=0))
        for name in ("progress", "dry_run", "cache"):
            put(name, check_flag(getattr(self, name), name=name))
        if self.max_time is not None:
            put("max_time", check_real(self.max_time, name="max_time", min_value=0.0, strict=True))
        if self.max_memory is not None:
            parse_memory(self.max_memory)  # refused now, not after the capture
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a str, got {type(self.title).__name__}.")
        if self.config is not None and not isinstance(self.config, Mapping):
            raise TypeError(f"config must be a dict, got {type(self.config).__name__}.")
        metric = self._metric_field
        if hasattr(self, metric):
            put(metric, check_choice(getattr(self, metric), name=metric, choices=METRICS))
        if hasattr(self, "n_jobs") and self.n_jobs is not None:
            put("n_jobs", check_int(self.n_jobs, name="n_jobs"))

    # -- the landmark policy: the one place that turns max_points into a cloud size --------------------------
    def n_landmarks(self, n_samples: int) -> int | None:
        """Max-min landmarks per layer for ``n_samples`` samples: ``max_points`` when there are more, else None."""
        return landmark_count(n_samples, self.max_points)

    def n_points(self, n_samples: int) -> int:
        """Points in each layer's filtration for ``n_samples`` samples."""
        return landmark_count(n_samples, self.max_points) or int(n_samples)

    def landmark_note(self, n_samples: int) -> str | None:
        """The report's note when landmarks are used (None when every sample is a point)."""
        if self.n_landmarks(n_samples) is None:
            return None
        return (f"Diagrams computed on {self.max_points} max-min landmarks of {n_samples} samples per layer; "
                "'landmark_bound' in the table is twice the covering radius: the landmark diagram is within that "
                "bottleneck distance of the full cloud's. It describes the approximation; it is not added to the "
                "significance test, which is run on the landmarks themselves for H1 and above. H0 is also computed "
                "exactly on every sample (a float64 minimum spanning tree, no distance matrix): the table's "
                "'h0_exact_*' columns, each layer's meta['h0_exact_deaths'], and meta['exact'] says what is exact"
                + ("; the H0 cluster test runs on every sample too." if getattr(self, "n_bootstrap", 0) > 0
                   and getattr(self, "significance", "universal") == "universal" else "."))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)


def landmark_count(n_samples: int, max_points: int) -> int | None:
    """The one landmark rule: ``max_points`` max-min landmarks when there are more samples, else None (all)."""
    return int(max_points) if int(n_samples) > int(max_points) else None


def _check_class_names(value: Any) -> Any:
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"class_names must be a sequence of str or a dict of label -> str, got {type(value).__name__}.")
    return list(value)


@dataclass(frozen=True)
class AnalyzeSettings(Settings):
    """The settings of :func:`tda_nn.analyze` (and ``tda-nn analyze``)."""

    distance: str = _opt("wasserstein", "layer x layer diagram distance", choices=METRICS)
    scales: Sequence[float] | None = _opt(None, "also Betti numbers at these fractions of each layer's median "
                                                "distance", type=float, nargs="+")
    n_bootstrap: int = _opt(100, "0: no significance test; else the resamples of the band methods", flag="--bootstrap",
                            type=int, metavar="N")
    alpha: float = _opt(0.05, "significance level of the tests (the report's false discovery rate across layers)",
                        type=float)
    significance: str = _opt("universal", "how bars are tested: a p-value per bar (universal null of Bobrowski and "
                                          "Skraba, clusters by a runt-ratio test) or the conservative confidence "
                                          "band of Fasy et al.", choices=("universal", "bootstrap", "subsample"))
    correction: str = _opt("bonferroni", "multiple testing over the bars of one diagram (universal test)",
                           choices=("bonferroni", "holm", "bh"))
    combined_distance: bool = _opt(False, "also the distance over all dimensions together", action="store_const",
                                   const=True)
    view: str | None = _opt("pca", "2-D view of every layer ('none' skips it)", choices=("pca", "umap", "none"))
    class_names: Any = _opt(None, "names of the classes 0, 1, ...", nargs="+", metavar="NAME")
    per_class: bool = _opt(False, "also profile each class (needs labels)", action="store_const", const=True)
    probe: bool = _opt(False, "also topological probes against a linear probe and a shuffled control",
                       action="store_const", const=True)
    probe_layers: Any = _opt(None, "layers for the probes (default: captured layers with per-sample structure)",
                             nargs="+")
    probe_kind: str = _opt("cloud", "probe input: per-sample point clouds (Rips) or feature-map images (cubical)",
                           choices=("cloud", "image"))
    regions: bool | str = _opt("auto", "activation regions of a ReLU network (auto: when it has ReLUs and the "
                                       "inputs are arrays)", choices=("auto", "on", "off"), convert=_regions_flag)
    region_resolution: int = _opt(128, "grid resolution of the region plane", type=int)
    loops: bool = _opt(True, "no loop panels (each significant loop's samples in loop order)", flag="--no-loops",
                       action="store_const", const=False)
    inputs: Any = _opt(None, "what each sample is, for the loop panels", cli=False)
    symmetry: Any = _opt(None, "a Symmetries section for these actions, comma-separated: rotate, rot90, translate, "
                               "shift, flip", convert=_comma_list)
    n_jobs: int | None = _opt(None, "parallel workers for persistence", type=int)
    mapper: bool = _opt(False, "a Mapper section: one graph per layer linked across depth, and its page mapper.html",
                        action="store_const", const=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        put = _setter(self)
        put("n_bootstrap", check_int(self.n_bootstrap, name="n_bootstrap", min_value=0))
        put("alpha", check_probability(self.alpha, name="alpha"))
        put("significance", check_choice(self.significance, name="significance",
                                         choices=("universal", "bootstrap", "subsample")))
        put("correction", check_choice(self.correction, name="correction", choices=("bonferroni", "holm", "bh")))
        need = math.ceil(1.0 / self.alpha - 1e-9)
        if self.significance != "universal" and 0 < self.n_bootstrap < need:
            raise ValueError(f"n_bootstrap must be 0 or at least ceil(1 / alpha) = {need} for "
                             f"significance={self.significance!r}, got {self.n_bootstrap} (CLI: --bootstrap).")
        put("region_resolution", check_int(self.region_resolution, name="region_resolution", min_value=8))
        for name in ("combined_distance", "per_class", "probe", "loops", "mapper"):
            put(name, check_flag(getattr(self, name), name=name))
        if self.view == "none":
            put("view", None)
        if self.view is not None:
            put("view", check_choice(self.view, name="view", choices=("pca", "umap")))
        put("probe_kind", check_choice(self.probe_kind, name="probe_kind", choices=("cloud", "image")))
        put("regions", check_flag_or_auto(self.regions, name="regions"))
        put("class_names", _check_class_names(self.class_names))
        if self.scales is not None:
            if isinstance(self.scales, (str, bytes)) or not isinstance(self.scales, Sequence):
                raise TypeError(f"scales must be a sequence of float, got {type(self.scales).__name__}.")
            if not self.scales:
                raise ValueError("scales must hold at least one fraction of the median distance, got none.")
            put("scales", tuple(check_real(s, name="scales", min_value=0.0, strict=True) for s in self.scales))
        if self.symmetry is not None:  # unknown action names refused before any work
            from ..nn.symmetry_summary import parse_actions

            put("symmetry", parse_actions(self.symmetry))

    @property
    def profile_scales(self) -> tuple[float, ...]:
        """The relative scales of the profile's Betti numbers (0.25, 0.5, 0.75 unless ``scales`` is given)."""
        return (0.25, 0.5, 0.75) if self.scales is None else tuple(self.scales)


def _check_names(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"names must be a sequence of str, one per model, got {type(value).__name__}.")
    names = [str(n) for n in value]
    if len(set(names)) != len(names):
        raise ValueError(f"names must be distinct, got {names}.")
    return tuple(names)


@dataclass(frozen=True)
class CompareSettings(Settings):
    """The settings of :func:`tda_nn.compare_checkpoints` (and ``tda-nn compare``)."""

    _metric_field = "metric"

    metric: str = _opt("wasserstein", "diagram distance between checkpoints", choices=METRICS)
    names: Sequence[str] | None = _opt(None, "a label per model (the CLI: the checkpoints' file names)", cli=False)
    n_jobs: int | None = _opt(None, "parallel workers for persistence", type=int)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "names", _check_names(self.names))
        if self.n_jobs is not None:
            from ..parallel import check_n_jobs

            object.__setattr__(self, "n_jobs", check_n_jobs(self.n_jobs))


@dataclass(frozen=True)
class TrackSettings(Settings):
    """The settings of :func:`tda_nn.track` (and ``tda-nn track``)."""

    _metric_field = "metric"

    max_samples: int = _opt(500, "samples to capture at every checkpoint", type=int)
    max_points: int = _opt(300, "points per cloud: a layer with more samples is reduced to this many max-min "
                                "landmarks", type=int)
    metric: str = _opt("wasserstein", "distance between consecutive checkpoints' diagrams", choices=METRICS)
    regions: bool | str = _opt("auto", "activation patterns on the samples at every checkpoint (ReLU networks)",
                               choices=("auto", "on", "off"), convert=_regions_flag)
    names: Sequence[str] | None = _opt(None, "a label per model (the CLI: the checkpoints' file names)", cli=False)
    steps: Sequence[int] | None = _opt(None, "the training step of each model (default 0, 1, ...)", cli=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "regions", check_flag_or_auto(self.regions, name="regions"))
        object.__setattr__(self, "names", _check_names(self.names))
        if self.steps is not None:
            steps = self.steps
            if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
                raise TypeError(f"steps must be a sequence of ints, one per model, got {type(steps).__name__} "
                                f"{steps!r}.")
            out = [check_int(s, name=f"steps[{i}]", min_value=0) for i, s in enumerate(steps)]
            back = [i for i in range(1, len(out)) if out[i] <= out[i - 1]]
            if back:
                i = back[0]
                raise ValueError(f"steps must increase strictly, in the order of the models: steps[{i - 1}]="
                                 f"{out[i - 1]} then steps[{i}]={out[i]}. Sort the models by training step.")
            object.__setattr__(self, "steps", tuple(out))


def cli_fields(cls: type[Settings]) -> list[dataclasses.Field]:
    """The fields of ``cls`` that the command line sets, in declaration order."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("cli", True)]
