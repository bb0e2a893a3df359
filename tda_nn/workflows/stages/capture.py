"""The capture stage: every layer's activations on up to ``max_samples`` samples, in one pass.

The probe layers' per-sample outputs (feature maps, tokens) come from the same pass
when the main layers keep every unit (``reduce='flatten'``); otherwise the probe
stage captures its own (:func:`capture_probe_layers`). Cached under the fingerprints of
the inputs and the model's weights, the layers, ``reduce`` and ``max_samples``.

Floor: application (the torch wing's capture inside functions).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import tables
from ..runner import Context, Stage

__all__ = ["FORMAT_VERSION", "CaptureResult", "STAGE", "capture_probe_layers", "keep_output", "per_sample_points"]

FORMAT_VERSION = 1


@dataclass(frozen=True)
class CaptureResult:
    """The captured layers (``acts``), the labels, and the probe layers' per-sample outputs when captured alongside.

    ``arrays``, ``targets`` and ``layers`` are what the capture returned (what the cache keeps);
    ``class_names`` maps each label to its display name.
    """

    acts: Any
    labels: np.ndarray | None
    per_sample: dict[str, np.ndarray] | None
    one_pass: bool
    arrays: dict[str, np.ndarray]
    targets: Any
    layers: tuple[str, ...]
    class_names: dict = dataclasses.field(default_factory=dict)


def keep_output(output: Any) -> Any:
    """A capture reducer that keeps a layer's output as it is (``(n, C, H, W)`` feature maps stay maps)."""
    return output


def per_sample_points(a: np.ndarray) -> np.ndarray:
    """``(n, C, H, W)`` feature maps -> ``(n, H*W, C)``: the spatial positions of each sample as points in R^C."""
    a = np.asarray(a)
    return np.ascontiguousarray(a.reshape(a.shape[0], a.shape[1], -1).transpose(0, 2, 1))


def _one_pass(ctx: Context, s: Any) -> tuple[tuple[str, ...], bool]:
    plan = ctx["plan"]
    probe_names = plan.probe_layers if getattr(s, "probe", False) else ()
    one = bool(probe_names) and ctx.reduce == "flatten" and all(len(plan.shapes[n]) == 3 for n in probe_names)
    return probe_names, one


def _inputs(ctx: Context, s: Any) -> dict | None:
    fp = ctx.data_fp
    if fp is None:
        return None
    probe_names, one = _one_pass(ctx, s)
    return {"data": fp, "model": ctx.store.model_fp, "layers": ctx["plan"].layers,
            "probe_layers": probe_names if one else (), "reduce": ctx.reduce, "max_samples": s.max_samples,
            "probe_kind": getattr(s, "probe_kind", "cloud")}


def _labels(targets: Any, n: int, s: Any) -> np.ndarray | None:
    if targets is None:
        return None
    labels = np.asarray(targets).reshape(n, -1)[:, 0]
    need = getattr(s, "probe", False) or getattr(s, "per_class", False)
    if np.issubdtype(labels.dtype, np.floating) and not np.isfinite(labels).all() and need:
        bad = np.flatnonzero(~np.isfinite(labels))
        raise ValueError(f"data: the labels y hold {bad.size} NaN or infinite values (first at sample "
                         f"{int(bad[0])}); probe=True and per_class=True need a class for every sample.")
    return labels


def _assemble(got: dict[str, Any], ctx: Context, s: Any) -> CaptureResult:
    from ...activations import Activations

    probe_names, one = _one_pass(ctx, s)
    arrays, targets = got["arrays"], got["targets"]
    per_sample = None
    if one:
        per_sample = {name: per_sample_points(arrays[name]) if s.probe_kind == "cloud" else arrays[name]
                      for name in probe_names}
    acts = Activations({name: np.asarray(arrays[name]).reshape(len(arrays[name]), -1) if one
                        else arrays[name] for name in got["layers"]}, targets=targets, meta={"reduce": ctx.reduce})
    labels = _labels(acts.targets, acts.n_samples, s)
    for flag in ("per_class", "probe"):
        if getattr(s, flag, False) and labels is None:
            raise ValueError(f"{flag}=True needs labels: give data as (X, y) or batches that yield (x, y).")
    names = tables.class_names(getattr(s, "class_names", None), labels)  # a bad name list is refused now
    return CaptureResult(acts, labels, per_sample, one, arrays, targets, tuple(got["layers"]), names)


def run(ctx: Context, s: Any) -> CaptureResult:
    from ...nn.capturing import capture

    main = ctx["plan"].layers
    probe_names, one = _one_pass(ctx, s)
    wanted = list(dict.fromkeys(main + (probe_names if one else ())))
    raw = capture(ctx.model, ctx.data, wanted if s.layers is not None or one else s.layers,
                  reduce=keep_output if one else ctx.reduce, max_samples=s.max_samples, batch_size=s.batch_size,
                  on_nonfinite="raise", progress=s.progress)
    arrays = {name: np.asarray(raw[name]) for name in raw.layers}
    return _assemble({"arrays": arrays, "targets": raw.targets, "layers": list(main if one else raw.layers)}, ctx, s)


def _encode(r: CaptureResult) -> dict[str, Any]:
    return {"arrays": r.arrays, "targets": r.targets, "layers": list(r.layers)}


def _detail(r: CaptureResult) -> str:
    extra = f", with {len(r.per_sample)} probe layer(s) in the same pass" if r.one_pass and r.per_sample else ""
    return f"{r.acts.n_samples} samples x {len(r.acts.layers)} layers{extra}"


def capture_probe_layers(ctx: Context, s: Any) -> dict[str, np.ndarray]:
    """A second capture pass for the probes (only when the first pass could not keep their per-sample outputs)."""
    from ...nn.capturing import capture

    per = capture(ctx.model, ctx.data, list(ctx["plan"].probe_layers),
                  reduce="none" if s.probe_kind == "cloud" else keep_output, max_samples=s.max_samples,
                  batch_size=s.batch_size, on_nonfinite="raise", progress=s.progress)
    return {layer: per[layer] for layer in per.layers}


STAGE = Stage("capture", run, version=FORMAT_VERSION, inputs=_inputs, encode=_encode, decode=_assemble,
              detail=_detail)
