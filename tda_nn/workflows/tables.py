"""The report's per-layer table, built from a layer profile: one row of plain numbers per layer.

Every length is in units of the layer's median pairwise distance. Columns:
``n_points`` (in the filtration), ``n_features``, ``landmark_bound`` (2 x covering
radius, 0 without landmarks), ``band`` (confidence-band radius, band methods), and per
dimension ``n_significant_H{k}``, ``p_H{k}`` and ``n_tests_H{k}`` (the universal test's
smallest adjusted p-value and the bars it was corrected over), ``threshold_H{k}`` (the
ratio death / birth for the universal test, the lifetime for the band), ``longest_H{k}`` (longest finite bar),
``total_persistence_H{k}``; when the diagrams ran on landmarks, H0 of every sample
(exact, a float64 minimum spanning tree: ``meta['h0_exact_deaths']``):
``h0_exact_n_points``, ``h0_exact_longest`` and ``h0_exact_total_persistence`` (absent
without landmarks, where the H0 columns are already those of every sample); ``intrinsic_dim`` and ``median_distance`` (the unit, in the
layer's own units); with ``betti=True`` also ``betti_H{k}@{s}``; per-class rows
``class {name}: n_significant_H{k}`` (or ``class {name}: betti_H{k}@{s}`` without a
bootstrap).

Floor: application. numpy only; reads :class:`~tda_nn.diagnostics.layers.LayerProfile` fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["class_names", "exact_h0", "per_class_rows", "plain", "scale_label", "significant_lifetimes", "table"]


def scale_label(s: float) -> str:
    return f"{s:g}"


def plain(v: Any) -> Any:
    """A numpy scalar as the Python scalar it holds."""
    return v.item() if isinstance(v, np.generic) else v


def table(profile: Any, n_features: Mapping[str, int] | None, *, betti: bool = False) -> dict[str, dict[str, float]]:
    """Per-layer scalars from a layer profile (see the module's docstring); ``n_features`` per layer, optional."""
    out: dict[str, dict[str, float]] = {}
    for i, layer in enumerate(profile.layers):
        d = profile.diagrams[i]
        ref = float(profile.reference_scale[i])
        row: dict[str, float] = {"n_points": int(profile.n_points[i])}
        if n_features is not None:
            row["n_features"] = int(n_features[layer])
        row["landmark_bound"] = float(d.meta.get("bottleneck_bound", 0.0)) / ref
        if profile.noise_level is not None and np.isfinite(profile.noise_level[i]):  # the band methods only
            row["band"] = float(profile.noise_level[i])
        for k in range(profile.maxdim + 1):
            if profile.n_significant is not None:
                row[f"n_significant_H{k}"] = int(profile.n_significant[i, k])
                if profile.min_pvalue is not None and np.isfinite(profile.min_pvalue[i, k]):
                    row[f"p_H{k}"] = float(profile.min_pvalue[i, k])
                    row[f"n_tests_H{k}"] = int(profile.n_tests[i, k])
                row[f"threshold_H{k}"] = float(profile.threshold[i, k])
            life = d.lifetimes(k)
            life = life[np.isfinite(life)]
            row[f"longest_H{k}"] = float(life.max()) / ref if life.size else 0.0
            row[f"total_persistence_H{k}"] = float(profile.total_persistence[i, k])
        row.update(exact_h0(d.meta, ref))
        if betti:
            for s_i, s in enumerate(profile.scales):
                for k in range(profile.maxdim + 1):
                    row[f"betti_H{k}@{scale_label(float(s))}"] = int(profile.betti[i, s_i, k])
        if profile.intrinsic_dim is not None:
            row["intrinsic_dim"] = float(profile.intrinsic_dim[i])
        row["median_distance"] = ref
        out[layer] = row
    return out


def exact_h0(meta: Mapping[str, Any], ref: float) -> dict[str, float]:
    """The exact-H0 columns of a layer whose diagrams ran on landmarks (empty when H0 was on every sample already)."""
    if "h0_exact_deaths" not in meta:
        return {}
    deaths = np.asarray(meta["h0_exact_deaths"], dtype=np.float64).reshape(-1)
    deaths = deaths[np.isfinite(deaths)]
    return {"h0_exact_n_points": int(meta.get("h0_exact_n_points", deaths.size + 1)),
            "h0_exact_longest": float(deaths.max()) / ref if deaths.size else 0.0,
            "h0_exact_total_persistence": float(deaths.sum()) / ref}


def significant_lifetimes(profile: Any) -> dict[str, dict[int, list[float]]]:
    """The significant finite lifetimes per layer and dimension, in median-distance units, longest first."""
    out: dict[str, dict[int, list[float]]] = {}
    if profile.threshold is None or profile.n_significant is None:
        return out
    for i, layer in enumerate(profile.layers):
        ref = float(profile.reference_scale[i])
        out[layer] = {k: (profile.significant_lifetimes(i, k) / ref).tolist() for k in range(profile.maxdim + 1)}
    return out


def per_class_rows(profile: Any, rows: dict[str, dict[str, float]], names: Mapping[Any, str]) -> None:
    """Add each class's significant counts (or beta_k at the middle scale without a bootstrap) to the table."""
    if not profile.per_class:
        return
    mid = len(profile.scales) // 2
    s = scale_label(float(profile.scales[mid]))
    for c, sub in profile.per_class.items():
        name = names.get(c, str(c))
        for i, layer in enumerate(sub.layers):
            for k in range(min(sub.maxdim, 1) + 1):
                if sub.n_significant is not None:
                    rows[layer][f"class {name}: n_significant_H{k}"] = int(sub.n_significant[i, k])
                else:
                    rows[layer][f"class {name}: betti_H{k}@{s}"] = int(sub.betti[i, mid, k])


def class_names(names: Any, labels: Any) -> dict[Any, str]:
    """Label -> display name: a sequence is indexed by integer labels, a dict looked up."""
    if names is None:
        return {}
    if isinstance(names, Mapping):
        return {plain(k): str(v) for k, v in names.items()}
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"class_names must be a sequence of str or a dict of label -> str, got {type(names).__name__}.")
    out = {i: str(v) for i, v in enumerate(names)}
    if labels is not None:
        missing = [v for v in np.unique(labels).tolist() if v not in out]
        if missing:
            raise ValueError(f"class_names has {len(out)} names, but the labels include {missing[:5]}; give one "
                             "name per class (indexed by the integer label) or a dict.")
    return out
