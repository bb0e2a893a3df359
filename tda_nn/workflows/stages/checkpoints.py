"""The checkpoints stage of a series: every model captured and profiled on the same samples.

``compare_checkpoints`` captures each model and profiles its layers (no bootstrap),
keeping the activations for CKA; ``track`` hands the models in training order to
:class:`tda_nn.nn.monitor.TopologyMonitor`, which profiles each, measures how far every
layer's diagrams moved since the previous checkpoint and, for ReLU networks, counts the
activation patterns of the samples. Both profile under the settings' landmark policy.
Cached under the fingerprints of every model's weights and of the inputs, and the
settings it reads.

Floor: application (the torch wing inside functions).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..runner import Context, Stage
from ..tables import scale_label
from .persistence import profile, profile_from_data, profile_to_data

__all__ = ["FORMAT_VERSION", "STAGE", "CheckpointsResult", "series_of"]

FORMAT_VERSION = 1
_log = logging.getLogger("tda_nn")


@dataclass(frozen=True)
class CheckpointsResult:
    """One profile per model, in order, and what the series workflows read of each.

    ``arrays`` (compare): each model's activations by layer; ``distances`` (track): array of
    shape (n_models, n_layers), each layer's distance to the previous checkpoint (NaN first);
    ``regions`` (track): each model's activation-pattern counts, or None.
    """

    names: tuple[str, ...]
    layers: tuple[str, ...]
    profiles: tuple[Any, ...]
    n_features: dict[str, int]
    arrays: tuple[dict[str, np.ndarray], ...] | None = None
    distances: np.ndarray | None = None
    regions: tuple[dict[str, float], ...] | None = None
    first_acts: Any = None


def _features(acts: Any) -> dict[str, int]:
    return {layer: int(np.prod(acts[layer].shape[1:])) for layer in acts.layers}


def _compare(ctx: Context, s: Any) -> CheckpointsResult:
    from ...nn.capturing import capture

    arrays, profiles, first, feats = [], [], None, {}
    for name, model in zip(s.names, ctx.models):
        t0 = time.perf_counter()
        acts = capture(model, ctx.data, s.layers, reduce=ctx.reduce, max_samples=s.max_samples,
                       batch_size=s.batch_size, on_nonfinite="raise", progress=s.progress)
        if first is not None and acts.layers != first.layers:
            raise ValueError(f"model {name!r} gave layers {list(acts.layers)}, but the first model gave "
                             f"{list(first.layers)}; give models of one architecture.")
        first = first or acts
        feats = feats or _features(acts)
        profiles.append(profile(acts, s, n_jobs=s.n_jobs))
        arrays.append({layer: acts[layer] for layer in acts.layers})
        _log.info("%s done in %.1f s; %d samples x %d layers", name, time.perf_counter() - t0, acts.n_samples,
                  len(acts.layers))
    return CheckpointsResult(tuple(s.names), tuple(first.layers), tuple(profiles), feats, tuple(arrays),
                             first_acts=first)


def _track(ctx: Context, s: Any) -> CheckpointsResult:
    from ...nn.monitor import TopologyMonitor

    X, _ = ctx.inputs() if ctx["plan"].regions else (None, None)
    if s.regions is True and X is None:
        raise ValueError("regions=True needs the model's inputs in memory: give data as an array, a tensor or an "
                         "(X, y) tuple.")
    n_samples = ctx["plan"].n_samples
    monitor = TopologyMonitor(
        ctx.models[0], ctx.data, s.layers, maxdim=s.maxdim, metric=s.metric, dim=min(s.maxdim, 1),
        keep_activations=True, regions=X is not None, region_kwargs={"plane": None},
        profile_kwargs={"n_bootstrap": 0, "scales": None, "n_landmarks": s.n_landmarks(n_samples), "seed": s.seed},
        capture_kwargs={"reduce": ctx.reduce, "max_samples": s.max_samples, "batch_size": s.batch_size,
                        "on_nonfinite": "raise", "progress": False})
    for name, step, model in zip(s.names, s.steps, ctx.models):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
            monitor.record(model, step)
        _log.info("%s done in %.1f s", name, time.perf_counter() - t0)
    trace = monitor.trace
    return CheckpointsResult(tuple(s.names), tuple(trace.layers), tuple(trace.profiles),
                             _features(trace.activations[-1]), distances=np.asarray(trace.distances),
                             regions=trace.regions, first_acts=trace.activations[0])


def run(ctx: Context, s: Any) -> CheckpointsResult:
    return _track(ctx, s) if hasattr(s, "steps") else _compare(ctx, s)


def _inputs(ctx: Context, s: Any) -> dict | None:
    from ...nn.checkpoints import model_fingerprint

    fp = ctx.data_fp
    if fp is None:
        return None
    keep = ("layers", "max_samples", "max_points", "maxdim", "seed", "metric", "regions", "names", "steps")
    return {"data": fp, "models": [model_fingerprint(m) for m in ctx.models], "reduce": ctx.reduce,
            "workflow": "track" if hasattr(s, "steps") else "compare",
            **{k: getattr(s, k) for k in keep if hasattr(s, k)}}


def _encode(r: CheckpointsResult) -> dict[str, Any]:
    return {"names": list(r.names), "layers": list(r.layers), "profiles": [profile_to_data(p) for p in r.profiles],
            "n_features": r.n_features, "arrays": None if r.arrays is None else list(r.arrays),
            "distances": r.distances, "regions": None if r.regions is None else list(r.regions)}


def _decode(d: dict[str, Any], ctx: Context, s: Any) -> CheckpointsResult:
    return CheckpointsResult(tuple(d["names"]), tuple(d["layers"]), tuple(profile_from_data(p) for p in d["profiles"]),
                             dict(d["n_features"]), None if d["arrays"] is None else tuple(d["arrays"]),
                             d["distances"], None if d["regions"] is None else tuple(d["regions"]))


def series_of(r: CheckpointsResult, steps: Any, metric: str, maxdim: int) -> dict[str, Any]:
    """The report's series of a track: per quantity, per layer, one value per checkpoint."""
    series: dict[str, Any] = {"steps": [int(t) for t in steps]}
    for t, prof in enumerate(r.profiles):
        mid = len(prof.scales) // 2
        sl = scale_label(float(prof.scales[mid]))
        for i, layer in enumerate(prof.layers):
            for k in range(maxdim + 1):
                series.setdefault(f"betti_H{k}@{sl}", {}).setdefault(layer, []).append(int(prof.betti[i, mid, k]))
            top = min(maxdim, 1)
            series.setdefault(f"total_persistence_H{top}", {}).setdefault(layer, []).append(
                float(prof.total_persistence[i, top]))
            if prof.intrinsic_dim is not None:
                series.setdefault("intrinsic_dim", {}).setdefault(layer, []).append(float(prof.intrinsic_dim[i]))
            series.setdefault(f"{metric} to previous", {}).setdefault(layer, []).append(float(r.distances[t, i]))
        if r.regions is not None:
            for key, v in r.regions[t].items():
                if key.startswith("patterns/"):
                    series.setdefault("activation patterns on the data", {}).setdefault(
                        key.split("/", 1)[1], []).append(float(v))
    return series


STAGE = Stage("checkpoints", run, version=FORMAT_VERSION, inputs=_inputs, encode=_encode, decode=_decode,
              detail=lambda r: f"{len(r.profiles)} checkpoints x {len(r.layers)} layers")
