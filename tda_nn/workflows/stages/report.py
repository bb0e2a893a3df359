"""The report stage: the :class:`~tda_nn.report.Report` of a run, with its settings, timings and provenance.

``config`` records how the report was made: the library version, the settings that
shaped the numbers, ``timings`` (seconds per stage, as the runner measured them, the
report stage's own excepted), the stages reused from the cache, and ``provenance``
(library and engine versions, date, seed, a hash of the inputs, the model's identity).

Floor: application (the results floor's Report; the torch wing's inputs inside functions).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import platform
from importlib import metadata
from typing import Any

import numpy as np

from ...report import Report
from ..runner import Context, Stage, reused_note

__all__ = ["STAGE", "provenance", "run_config"]

_log = logging.getLogger("tda_nn")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def provenance(model: Any, acts: Any, X: Any, y: Any, dgms: Any, seed: int) -> dict[str, Any]:
    """Who made the numbers: library and engine versions, date, seed, data hash, model identity."""
    from ... import __version__

    h = hashlib.sha256()
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
        "torch": _version("torch"),
        "python": platform.python_version(),
        "engines": {name: _version(name) for name in ("giotto-ph", "ripser", "gudhi")},
        "engine_used": engines,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "inputs_sha256": h.hexdigest(),
        "inputs_hashed": "model inputs and labels" if X is not None else "first captured layer and labels",
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "n_parameters": n_params,
        "hf_name_or_path": name_or_path,
    }


def run_config(ctx: Context, s: Any, acts: Any, dgms: Any, **resolved: Any) -> dict[str, Any]:
    """The report's ``config``: version, resolved settings, timings, reused stages, provenance, the caller's config."""
    from ... import __version__

    X, y = ctx.inputs()
    return {
        "tda_nn_version": __version__,
        **resolved,
        "seed": s.seed,
        "timings": dict(ctx.timings),
        "reused": list(ctx.store.reused),
        "provenance": provenance(ctx.models[0] if ctx.models else ctx.model, acts, X, y, dgms, s.seed),
        **dict(s.config or {}),
    }


def _analysis(ctx: Context, s: Any) -> Report:
    pers = ctx["persistence"]
    acts = ctx["capture"].acts
    p = pers.profile
    symmetry = ctx["symmetry"]
    cfg = run_config(ctx, s, acts, p.diagrams, model=type(ctx.model).__name__, layers=list(acts.layers), reduce=ctx.reduce,
                     max_samples=s.max_samples, n_samples=acts.n_samples, max_points=s.max_points, maxdim=s.maxdim,
                     distance=s.distance, scales=[float(v) for v in p.scales], n_bootstrap=s.n_bootstrap,
                     alpha=s.alpha,
                     significance=(f"significant_bars, method={s.significance!r}, correction={s.correction!r}; "
                                   "Benjamini-Hochberg across the report's tests" if s.significance == "universal"
                                   else f"significant_bars, method={s.significance!r}") if s.n_bootstrap else None,
                     significance_method=s.significance if s.n_bootstrap else None,
                     correction=s.correction if s.n_bootstrap and s.significance == "universal" else None,
                     scale="median pairwise distance of each layer", per_class=s.per_class, probe=s.probe,
                     probe_kind=s.probe_kind, view=s.view, loops=bool(s.loops),
                     symmetry=None if symmetry is None else list(symmetry.invariance),
                     mapper=ctx["mapper"] is not None)
    return Report(title=s.title or f"tda_nn analysis of {type(ctx.model).__name__}", config=cfg, layers=p.layers,
                  diagrams=dict(zip(p.layers, p.diagrams)), table=pers.table,
                  matrices=ctx["comparison"].matrices if ctx["comparison"] else {}, probes=ctx["probes"],
                  regions=ctx["regions"], notes=ctx.notes, findings=list(ctx["findings"].findings),
                  views=ctx["views"], loops=ctx["loops"], symmetry=symmetry, mapper=ctx["mapper"])


def _series(ctx: Context, s: Any) -> Report:
    r = ctx["series"]
    cp = ctx["checkpoints"]
    cfg = run_config(ctx, s, cp.first_acts, cp.profiles[0].diagrams, names=list(r.names), layers=list(r.layers),
                     reduce=ctx.reduce, max_samples=s.max_samples, max_points=s.max_points, maxdim=s.maxdim,
                     metric=s.metric)
    n = len(r.names)
    title = s.title or (f"tda_nn comparison of {n} checkpoints" if r.kind == "compare" else f"tda_nn over {n} checkpoints")
    return Report(title=title, config=cfg, layers=tuple(r.layers), diagrams=r.diagrams, table=r.table,
                  matrices=r.matrices, series=r.series, notes=ctx.notes, findings=list(ctx["findings"].findings))


def run(ctx: Context, s: Any) -> Report:
    note = reused_note(ctx)
    if note:
        ctx.notes.append(note)
        _log.info(note)
    return _series(ctx, s) if ctx["series"] is not None else _analysis(ctx, s)


STAGE = Stage("report", run)
