"""The figures of a ``Report``, drawn from its plain data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .diagrams import plot_betti_curves, plot_diagram

__all__ = ["report_figures"]


def report_figures(report: Any) -> dict[str, Any]:
    """Figures by file stem: diagrams, Betti curves, layer profile, matrices, probes, training."""
    figs: dict[str, Any] = {}
    if report.diagrams:
        figs["diagrams"] = _diagram_grid(report.diagrams)
        dims = max(len(d) for d in report.diagrams.values())
        figs["betti_curves"] = _betti_panels(report.diagrams, dims)
    if report.table and len(report.table) > 1:
        fig = _profile(report.table)
        if fig is not None:
            figs["layer_profile"] = fig
    if report.matrices:
        figs["layer_distances"] = _matrices(report.matrices)
    if report.probes:
        figs["probes"] = _probes(report.probes)
    if report.series and report.series.get("steps"):
        figs["training"] = _training(report.series)
    if getattr(report, "regions", None):
        figs["regions"] = _regions(report.regions)
    return figs


def _subplots(n: int, ncols: int, size: tuple[float, float]):
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), layout="constrained", squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _diagram_grid(diagrams: dict, max_panels: int = 12):
    items = list(diagrams.items())
    if len(items) > max_panels:  # keep the first, the last and evenly spaced ones in between
        keep = np.unique(np.linspace(0, len(items) - 1, max_panels).round().astype(int))
        items = [items[i] for i in keep]
    fig, axes = _subplots(len(items), 4, (3.3, 3.2))
    for ax, (layer, d) in zip(axes, items):
        plot_diagram(d, ax=ax, title=layer)
    fig.suptitle("Persistence diagrams by layer (triangles: bars that never die)")
    return fig


def _betti_panels(diagrams: dict, dims: int):
    fig, axes = _subplots(min(dims, 3), 3, (4.6, 3.4))
    for dim, ax in enumerate(axes[: min(dims, 3)]):
        plot_betti_curves(diagrams, dim=dim, relative=True, ax=ax, title=f"β{dim} across layers")
    fig.suptitle("Betti curves, scale relative to each layer's largest finite death")
    return fig


def _profile(table: dict):
    """One panel per quantity: beta_k at each relative scale, total persistence, entropy, significant bars, TwoNN."""
    import re

    layers = list(table)
    cols = {c for row in table.values() for c in row}
    panels: list[tuple[str, str, list[tuple[str, str]]]] = []  # (title, y label, [(column, legend)])
    for k in sorted({int(m.group(1)) for c in cols if (m := re.match(r"betti_H(\d+)@", c))}):
        scale_cols = sorted((c for c in cols if c.startswith(f"betti_H{k}@")), key=lambda c: float(c.split("@")[1]))
        panels.append((f"β{k} at relative scales", f"β{k}",
                       [(c, f"{c.split('@')[1]} × median distance") for c in scale_cols]))
    for prefix, title, ylabel in (("total_persistence_H", "total persistence", "sum of lifetimes"),
                                  ("entropy_H", "persistent entropy", "entropy (nats)"),
                                  ("significant_H", "significant bars", "bars above the noise band")):
        group = sorted(c for c in cols if c.startswith(prefix))
        if group:
            panels.append((title, ylabel, [(c, "H" + c[len(prefix):]) for c in group]))
    if "intrinsic_dim" in cols:
        panels.append(("intrinsic dimension (TwoNN)", "dimension", [("intrinsic_dim", "TwoNN")]))
    if not panels:
        return None
    fig, axes = _subplots(len(panels), 3, (4.4, 3.4))
    x = np.arange(len(layers))
    for ax, (title, ylabel, series) in zip(axes, panels):
        for c, label in series:
            ax.plot(x, [float(table[layer].get(c, np.nan)) for layer in layers], marker="o", ms=3.5, label=label)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_xticks(x, layers, rotation=45, ha="right", fontsize=7)
        if len(series) > 1:
            ax.legend(fontsize=6.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=2)
    fig.suptitle("Layer profile (input to output)")
    return fig


def _matrices(matrices: dict):
    import matplotlib

    fig, axes = _subplots(len(matrices), 2, (5.2, 4.6))
    for ax, (name, (labels, m)) in zip(axes, matrices.items()):
        m = np.asarray(m, dtype=float)
        cmap = matplotlib.colormaps["viridis" if "CKA" in name else "magma_r"]
        shown = np.where(np.isfinite(m), m, np.nan)
        im = ax.imshow(shown, cmap=cmap)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_title(name, fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8, label="CKA (1: same up to rotation and scale)" if "CKA" in name
                     else "distance (0: same diagrams)")
        if len(labels) <= 10:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    if np.isfinite(m[i, j]):
                        r, g, b, _ = cmap(im.norm(m[i, j]))
                        ink = "k" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "w"
                        ax.text(j, i, f"{m[i, j]:.2g}", ha="center", va="center", fontsize=7, color=ink)
    fig.suptitle("Layer x layer comparisons")
    return fig


def _probes(p: dict):
    import matplotlib.pyplot as plt

    layers = p["layers"]
    x = np.arange(len(layers))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(layers) + 2), 3.8), layout="constrained")
    w = 0.27
    ax.bar(x - w, p["topological"], w, label="topological probe")
    ax.bar(x, p["linear"], w, label="linear probe (pooled)")
    ax.bar(x + w, p["shuffled"], w, label="topological, shuffled labels")
    ax.axhline(p["chance"], color="0.4", ls="--", lw=1, label="chance")
    ax.set_xticks(x, layers, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Does topology carry the label?")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def _training(series: dict):
    steps = series["steps"]
    names = [k for k, v in series.items() if k != "steps" and isinstance(v, dict)]
    fig, axes = _subplots(max(len(names), 1), 3, (4.4, 3.3))
    for ax, name in zip(axes, names):
        for layer, values in series[name].items():
            ax.plot(steps[: len(values)], values, marker="o", ms=3, label=layer)
        ax.set_title(name.replace("_", " "), fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel(_series_label(name))
        ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Over training")
    return fig


def _series_label(name: str) -> str:
    if name.startswith("betti_H"):
        return f"β{name[7:].split('@')[0]}"
    if name.startswith("total_persistence"):
        return "sum of lifetimes"
    if name == "intrinsic_dim":
        return "dimension (TwoNN)"
    if "to previous" in name:
        return "distance (median-distance units)"
    if "patterns" in name:
        return "distinct activation patterns"
    return name


def _regions(r: dict):
    """The plane partition (one colour per region, decision boundary, samples) and counts by layer."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    labels = np.asarray(r["labels"])
    predicted = np.asarray(r["predicted"])
    extent = r["extent"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 4.6), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.25, 1]})
    n = int(labels.max()) + 1
    colours = np.random.default_rng(0).uniform(0.35, 0.95, size=(n, 3))
    ax.imshow(labels, origin="lower", extent=extent, cmap=ListedColormap(colours), interpolation="nearest",
              aspect="auto")
    s = np.linspace(extent[0], extent[1], predicted.shape[1])
    t = np.linspace(extent[2], extent[3], predicted.shape[0])
    if len(np.unique(predicted)) > 1:
        ax.contour(s, t, predicted, levels=np.unique(predicted)[:-1] + 0.5, colors="k", linewidths=1.2)
    pts = np.asarray(r.get("points") or np.empty((0, 2)))
    if len(pts):
        inside = ((pts[:, 0] >= extent[0]) & (pts[:, 0] <= extent[1]) & (pts[:, 1] >= extent[2])
                  & (pts[:, 1] <= extent[3]))
        c = r.get("point_labels")
        ax.scatter(pts[inside, 0], pts[inside, 1], s=7, c=None if c is None else np.asarray(c)[inside],
                   cmap="tab10", edgecolors="k", linewidths=0.3)
    if r.get("anchors"):
        a = np.asarray(r["anchors"])
        ax.scatter(a[:, 0], a[:, 1], marker="*", s=120, c="w", edgecolors="k", linewidths=0.8, zorder=3)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("s (along u, input units)")
    ax.set_ylabel("t (along v, input units)")
    zoom = float(r.get("zoom", 1.0))
    if zoom == 1:
        title = (f"{r['n_regions']} linear regions on the plane through three samples (stars);\n"
                 "black: decision boundary; dots: samples projected onto the plane")
    else:
        title = (f"{r['n_regions']} linear regions, zoomed {zoom:g}x on one sample (star):\n"
                 f"the whole plane holds more regions than a {r.get('resolution')}² grid resolves")
    ax.set_title(title, fontsize=9)
    counts = r.get("full_window_counts_by_layer") or r.get("counts_by_layer") or {}
    layers = list(counts)
    x = np.arange(len(layers))
    bx.plot(x, [counts[k] for k in layers], marker="o",
            label=f"on the plane ({r.get('resolution', '?')}² grid, whole window)")
    data_counts = r.get("data_patterns") or {}
    on_data = [data_counts.get(f"patterns/{k}", np.nan) for k in layers]
    if np.isfinite(on_data).any():
        bx.plot(x, on_data, marker="s", label="on the samples (at most one per sample)")
    bx.set_yscale("log")
    bx.set_xticks(x, layers, rotation=45, ha="right", fontsize=8)
    bx.set_xlabel("activation pattern of the layers up to")
    bx.set_ylabel("distinct patterns (regions)")
    bx.set_title("Regions by depth", fontsize=9)
    bx.legend(frameon=False, fontsize=8)
    return fig
