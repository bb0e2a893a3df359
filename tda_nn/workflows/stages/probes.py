"""The probe stages: a topological probe per probe layer beside a linear probe and a shuffled-label control.

``probe capture`` captures the probe layers' per-sample outputs when the main capture
could not keep them; ``probes`` scores them with :func:`tda_nn.diagnostics.probes.probe_layers`
(a :class:`tda_nn.results.ProbesResult`, cached under the fingerprint of those outputs, the labels, the kind, ``maxdim`` and the
seed). Both are optional: a failure is a note, never a lost run.

Floor: application (the numeric core's probes, the torch wing's capture inside functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...results import ProbesResult
from ..runner import Context, Stage
from .capture import capture_probe_layers

__all__ = ["CAPTURE_STAGE", "FORMAT_VERSION", "ProbeCapture", "STAGE", "probe_scores"]

FORMAT_VERSION = 2  # 2: the typed ProbesResult's to_dict


@dataclass(frozen=True)
class ProbeCapture:
    """The probe layers' per-sample outputs: ``(n, points, dims)`` clouds or ``(n, C, H, W)`` maps."""

    per_sample: dict[str, np.ndarray]


def probe_scores(arrays: dict[str, np.ndarray], targets: Any, *, kind: str, maxdim: int, seed: int,
                 n_jobs: int | None) -> dict[str, Any]:
    """Topological, linear and shuffled-label probes on each layer's per-sample outputs."""
    from ...diagnostics.probes import probe_layers as score_layers

    if targets is None:
        raise ValueError("probe=True needs labels: give data as (X, y) or batches that yield (x, y).")
    y = np.asarray(targets).reshape(len(targets), -1)[:, 0]
    need = 3 if kind == "cloud" else 4
    usable = {layer: a for layer, a in arrays.items() if a.ndim == need}
    skipped = [layer for layer in arrays if arrays[layer].ndim != need]
    if not usable:
        what = ("per-sample structure (tokens or spatial positions) to build a cloud from; name conv or "
                "transformer layers" if kind == "cloud" else "2-D feature maps (n, C, H, W); name conv layers")
        raise ValueError(f"probe_layers: none of {list(arrays)} has {what}.")
    pooled = {layer: a.reshape(len(a), a.shape[1], -1).mean(axis=2) if kind == "image" else a.mean(axis=1)
              for layer, a in usable.items()}
    scores = score_layers(usable, pooled, y, kind=kind, maxdim=maxdim, seed=seed, n_jobs=n_jobs).to_dict()
    if skipped:
        scores["meta"]["skipped"] = skipped
    return scores


def _wanted(ctx: Context, s: Any) -> bool:
    if not s.probe:
        return False
    if not ctx["plan"].probe_layers:
        ctx.notes.append("Probes skipped: no probe layer has per-sample structure (tokens or spatial positions).")
        return False
    return True


def _per_sample(ctx: Context) -> dict[str, np.ndarray] | None:
    own = ctx["probe capture"]
    return own.per_sample if own is not None else ctx["capture"].per_sample


def _inputs(ctx: Context, s: Any) -> dict:
    per = _per_sample(ctx)
    return {"per_sample": ctx.store.fingerprint(*(per[n] for n in per)), "labels": ctx["capture"].labels,
            "probe_kind": s.probe_kind, "maxdim": s.maxdim, "seed": s.seed}


def run(ctx: Context, s: Any) -> ProbesResult:
    return ProbesResult.from_dict(probe_scores(_per_sample(ctx), ctx["capture"].labels, kind=s.probe_kind, maxdim=s.maxdim,
                                     seed=s.seed, n_jobs=s.n_jobs), "probes")


def _detail(p: ProbesResult) -> str:
    return ", ".join(f"{lay}: {t:.2f} vs shuffled {sh:.2f}" for lay, t, sh in
                     zip(p["layers"], p["topological"], p["shuffled"]))


CAPTURE_STAGE = Stage("probe capture", lambda ctx, s: ProbeCapture(capture_probe_layers(ctx, s)), optional=True,
                      applies=lambda ctx, s: s.probe and bool(ctx["plan"].probe_layers)
                      and ctx["capture"].per_sample is None,
                      detail=lambda r: f"{len(r.per_sample)} layer(s)")
STAGE = Stage("probes", run, applies=lambda ctx, s: _wanted(ctx, s) and _per_sample(ctx) is not None, optional=True,
              version=FORMAT_VERSION, inputs=_inputs, encode=lambda r: r.to_dict(),
              decode=lambda d, ctx, s: ProbesResult.from_dict(d, "probes"), detail=_detail)
