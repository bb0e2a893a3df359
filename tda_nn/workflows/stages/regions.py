"""The regions stage: the activation regions of a ReLU network on a plane through three samples, and on the samples.

Counted exactly where the model allows it (``method='exact'``, the polygons kept for
the figure), on a grid otherwise (a lower bound, said so), with the distinct
activation patterns of the samples per layer. The result is a :class:`tda_nn.results.RegionsResult`. Optional: a failure is a note, except
when ``regions=True`` asked for it on a model or data it does not fit. Cached under the
fingerprints of the model and the inputs, the seed and the resolution.

Floor: application (the torch wing inside functions).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...results import RegionsResult
from ..runner import Context, Stage

__all__ = ["FORMAT_VERSION", "STAGE", "regions_payload"]

FORMAT_VERSION = 3  # 1: before the key carried a version; 2: the plain payload; 3: RegionsResult.to_dict


_GRID_METHOD = "grid (a lower bound: regions thinner than the grid spacing are missed)"


def regions_payload(model: Any, X: np.ndarray, y: np.ndarray | None, seed: int, resolution: int, *,
                    max_regions: int = 20_000) -> dict[str, Any]:
    """Activation regions on the plane through three samples: exact where the model allows it, and a grid view.

    The whole window is counted with ``method='auto'`` of :func:`tda_nn.regions_on_plane`:
    the exact polygons when the model is made of affine layers and piecewise-linear
    activations and the window's estimated count is within ``max_regions`` (the polygons
    are kept for the figure); otherwise a ``resolution`` grid, whose counts are lower
    bounds. Without polygons the figure is the grid's labels, zoomed on one sample while
    most grid points are distinct patterns. ``methods`` names the method of every number.

    Returns
    -------
    dict
        ``method`` ('exact' or 'grid': how the whole window was counted), ``lower_bound``,
        ``full_window_regions`` and ``full_window_counts_by_layer`` (that count, by
        depth), ``polygons`` (vertex lists, exact only) with ``tol``; the grid view:
        ``labels``, ``predicted``, ``extent``, ``n_regions``, ``counts_by_layer``,
        ``resolution``, ``zoom``; ``anchors``, ``anchor_indices``, ``points`` and
        ``point_labels`` (up to 300 projected samples), ``data_patterns`` (distinct
        patterns on the samples), ``methods`` (key -> method) and ``method_note`` (why
        the exact method was not used, or None).
    """
    from ...nn.regions import region_counts, regions_on_plane

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(X), 3, replace=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = regions_on_plane(model, points=X[idx], resolution=resolution, method="auto", max_regions=max_regions)
    why = next((str(w.message) for w in caught if "exact method does not apply" in str(w.message)), None)
    for w in caught:  # pass on every other warning
        if "exact method does not apply" not in str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    exact = first if getattr(first, "method", "grid") == "exact" else None
    plane = first if exact is None else regions_on_plane(model, points=X[idx], resolution=resolution, method="grid")
    full = plane
    zoom = 1.0
    # without polygons, a wide network cuts the window into more regions than the grid
    # resolves; zoom in on the first sample until most regions span several grid points
    while exact is None and plane.n_regions > 0.1 * resolution**2 and zoom < 1e4:
        zoom *= 10.0
        s0, s1, t0, t1 = full.extent
        a = full.anchors[0] if full.anchors is not None else np.zeros(2)
        hw, hh = (s1 - s0) / (2 * zoom), (t1 - t0) / (2 * zoom)
        plane = regions_on_plane(model, full.origin.reshape(full.input_shape), full.u.reshape(full.input_shape),
                                 full.v.reshape(full.input_shape), extent=(a[0] - hw, a[0] + hw, a[1] - hh, a[1] + hh),
                                 resolution=resolution, method="grid")
    whole = full if exact is None else exact
    counts = region_counts(model, X, plane=None)
    show = rng.choice(len(X), min(len(X), 300), replace=False)
    method = "exact" if exact is not None else "grid"
    out = {
        "method": method, "lower_bound": exact is None, "method_note": why,
        "labels": plane.labels.tolist(), "predicted": plane.predicted.tolist(),
        "extent": [float(e) for e in plane.extent], "n_regions": int(plane.n_regions),
        "counts_by_layer": {name: int(c) for name, c in zip(plane.layers, plane.counts)},
        "anchors": None if full.anchors is None else np.asarray(full.anchors).tolist(),
        "anchor_indices": idx.tolist(),
        "points": _project(plane, X[show]).tolist(),
        "point_labels": None if y is None else np.asarray(y)[show].tolist(),
        "data_patterns": {k: float(v) for k, v in counts.items()},
        "resolution": int(resolution), "zoom": zoom,
        "full_window_regions": int(whole.n_regions),
        "full_window_counts_by_layer": {name: int(c) for name, c in zip(whole.layers, whole.counts)},
        "methods": {"n_regions": _GRID_METHOD, "counts_by_layer": _GRID_METHOD,
                    "full_window_regions": _GRID_METHOD if exact is None else "exact",
                    "full_window_counts_by_layer": _GRID_METHOD if exact is None else "exact",
                    "data_patterns": "distinct activation patterns of the samples (exact)"},
    }
    if exact is not None:
        out["polygons"] = [np.round(p.vertices, 6).tolist() for p in exact.polygons]
        out["tol"] = float(exact.tol)
    return out


def _project(plane: Any, X: np.ndarray) -> np.ndarray:
    """Plane coordinates ``(s, t)`` of the orthogonal projections of ``X`` onto ``origin + s u + t v``."""
    if hasattr(plane, "project"):
        return np.asarray(plane.project(X))
    F = np.asarray(X, dtype=np.float64).reshape(len(X), -1) - plane.origin
    B = np.stack([plane.u, plane.v], axis=1)
    return np.linalg.lstsq(B, F.T, rcond=None)[0].T


def _applies(ctx: Context, s: Any) -> bool:
    if not ctx["plan"].regions:
        return False
    X, _ = ctx.inputs()
    return (X is None and s.regions is True) or (X is not None and len(X) >= 3)


def run(ctx: Context, s: Any) -> RegionsResult:
    X, y = ctx.inputs()
    if X is None:
        raise ValueError("regions=True needs the model's inputs in memory: give data as an array, a tensor "
                         "or an (X, y) tuple.")
    return RegionsResult.from_payload(regions_payload(ctx.model, X, y, s.seed, s.region_resolution))


def _inputs(ctx: Context, s: Any) -> dict | None:
    fp = ctx.data_fp
    return None if fp is None else {"model": ctx.store.model_fp, "data": fp, "seed": s.seed,
                                    "resolution": s.region_resolution}


def _detail(r: RegionsResult) -> str:
    how = "exact" if r.method == "exact" else "grid, a lower bound"
    return f"{r.full_window_regions} regions on the plane ({how})"


STAGE = Stage("regions", run, applies=_applies, optional=True,
              strict=lambda ctx, s, exc: s.regions is True and isinstance(exc, (ValueError, TypeError)),
              version=FORMAT_VERSION, inputs=_inputs, encode=lambda r: r.to_dict(),
              decode=lambda d, ctx, s: RegionsResult.from_dict(d, "regions"), detail=_detail)
