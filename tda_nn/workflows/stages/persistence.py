"""The persistence stage: every layer's diagrams, significance, Betti numbers and TwoNN (one layer profile).

:func:`tda_nn.diagnostics.layer_profile` on the captured layers, on at most
``max_points`` max-min landmarks per layer (the settings' one landmark policy), with
the bootstrap band of the significant bars; then the report's table
(:mod:`tda_nn.workflows.tables`). Cached under the fingerprint of the activations and
labels and the settings it reads.

Floor: application (numpy; the numeric core's diagnostics).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import tables
from ..runner import Context, Stage

__all__ = ["FORMAT_VERSION", "PersistenceResult", "STAGE", "profile", "profile_from_data", "profile_to_data"]

FORMAT_VERSION = 2  # 2: the universal test (p-values, n_tests) in the profile


@dataclass(frozen=True)
class PersistenceResult:
    """The layer profile, the report's table, the significant lifetimes and the class names by label."""

    profile: Any
    table: dict[str, dict[str, float]]
    lifetimes: dict[str, dict[int, list[float]]]
    class_names: dict[Any, str]


def profile(acts: Any, s: Any, *, labels: Any = None, scales: Any = None, n_bootstrap: int = 0,
            alpha: float = 0.05, n_jobs: int | None = None) -> Any:
    """:func:`~tda_nn.diagnostics.layers.layer_profile` of ``acts`` under the settings' landmark policy."""
    from ...diagnostics.layers import layer_profile

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
        return layer_profile(acts, labels=labels, maxdim=s.maxdim, scales=scales,
                             n_landmarks=s.n_landmarks(acts.n_samples), n_bootstrap=n_bootstrap, alpha=alpha,
                             seed=s.seed, n_jobs=n_jobs, significance=getattr(s, "significance", "universal"),
                             correction=getattr(s, "correction", "bonferroni"))


def profile_to_data(p: Any) -> dict[str, Any]:
    """A LayerProfile as plain data and arrays (diagrams as their bars and meta; per-class profiles nested)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(p):
        v = getattr(p, f.name)
        if f.name == "diagrams":
            v = [{"bars": [np.asarray(a) for a in d], "meta": dict(d.meta)} for d in v]
        elif f.name == "per_class" and v is not None:
            v = {k: profile_to_data(sub) for k, sub in v.items()}
        out[f.name] = v
    return out


def profile_from_data(data: dict[str, Any]) -> Any:
    """The LayerProfile that :func:`profile_to_data` took apart."""
    from ...diagnostics.layers import LayerProfile
    from ...diagrams import Diagrams

    kw = dict(data)
    kw["diagrams"] = tuple(Diagrams(list(d["bars"]), meta=d["meta"]) for d in kw["diagrams"])
    if kw.get("per_class") is not None:
        kw["per_class"] = {k: profile_from_data(v) for k, v in kw["per_class"].items()}
    kw["layers"] = tuple(kw["layers"])
    return LayerProfile(**kw)


def _finish(p: Any, ctx: Context, s: Any) -> PersistenceResult:
    cap = ctx["capture"]
    acts = cap.acts
    names = cap.class_names
    note = s.landmark_note(acts.n_samples)
    if note:
        ctx.notes.append(note)
    rows = tables.table(p, {layer: int(np.prod(acts[layer].shape[1:])) for layer in acts.layers},
                        betti=s.scales is not None)
    tables.per_class_rows(p, rows, names)
    return PersistenceResult(p, rows, tables.significant_lifetimes(p), names)


def _inputs(ctx: Context, s: Any) -> dict:
    cap = ctx["capture"]
    acts = cap.acts
    return {"activations": ctx.store.fingerprint(*(acts[name] for name in acts.layers), cap.labels),
            "layers": list(acts.layers), "per_class": s.per_class, "maxdim": s.maxdim, "max_points": s.max_points,
            "scales": s.profile_scales, "n_bootstrap": s.n_bootstrap, "seed": s.seed, "alpha": s.alpha,
            "significance": getattr(s, "significance", "universal"), "correction": getattr(s, "correction", "bonferroni")}


def run(ctx: Context, s: Any) -> PersistenceResult:
    cap = ctx["capture"]
    p = profile(cap.acts, s, labels=cap.labels if s.per_class else None, scales=s.profile_scales,
                n_bootstrap=s.n_bootstrap, alpha=s.alpha, n_jobs=s.n_jobs)
    return _finish(p, ctx, s)


def _detail(r: PersistenceResult) -> str:
    return f"H0..H{r.profile.maxdim} of {len(r.profile.layers)} layers"


STAGE = Stage("persistence", run, version=FORMAT_VERSION, inputs=_inputs,
              encode=lambda r: profile_to_data(r.profile), decode=lambda d, ctx, s: _finish(profile_from_data(d), ctx, s),
              detail=_detail)
