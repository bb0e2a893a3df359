"""The report's region figures: the grid view, the exact polygons, and the counts by depth both share.

Room: results floor (``plotting``). Imports numpy, ``results`` and its plotting
neighbours; matplotlib inside the functions. ``plotting.report`` and
``plotting.report_pillars`` both import this module, and it imports neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..results import RegionsResult

__all__ = ["exact_regions_figure", "grid_regions_figure", "regions_by_depth"]


def grid_regions_figure(r: RegionsResult) -> Any:
    """The plane partition (one colour per region, decision boundary, samples) and counts by layer."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    labels = np.asarray(r.labels)
    predicted = np.asarray(r.predicted)
    extent = [float(e) for e in r.extent]
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
    pts = np.asarray(r.points, dtype=float).reshape(-1, 2)
    if len(pts):
        inside = ((pts[:, 0] >= extent[0]) & (pts[:, 0] <= extent[1]) & (pts[:, 1] >= extent[2])
                  & (pts[:, 1] <= extent[3]))
        c = r.point_labels
        ax.scatter(pts[inside, 0], pts[inside, 1], s=7, c=None if c is None else np.asarray(c)[inside],
                   cmap="tab10", edgecolors="k", linewidths=0.3)
    if r.anchors is not None and len(r.anchors):
        a = np.asarray(r.anchors)
        ax.scatter(a[:, 0], a[:, 1], marker="*", s=120, c="w", edgecolors="k", linewidths=0.8, zorder=3)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("s (along u, input units)")
    ax.set_ylabel("t (along v, input units)")
    zoom = float(r.zoom)
    if zoom == 1:
        title = (f"{r.n_regions} linear regions on the plane through three samples (stars);\n"
                 "black: decision boundary; dots: samples projected onto the plane")
    else:
        title = (f"{r.n_regions} linear regions, zoomed {zoom:g}x on one sample (star):\n"
                 f"the whole plane holds more regions than a {r.resolution}² grid resolves")
    ax.set_title(title, fontsize=9)
    regions_by_depth(bx, r, f"on the plane ({r.resolution}² grid, whole window: a lower bound)")
    return fig


def regions_by_depth(bx: Any, r: RegionsResult | Mapping[str, Any], plane_label: str) -> None:
    """The regions panel shared by the grid and the exact figures: counts by depth, on the plane and on the samples."""
    r = RegionsResult.from_payload(r)
    counts = r.full_window_counts_by_layer or r.counts_by_layer or {}
    layers = list(counts)
    x = np.arange(len(layers))
    bx.plot(x, [counts[k] for k in layers], marker="o", label=plane_label)
    on_data = [r.patterns_by_layer.get(k, np.nan) for k in layers]
    if np.isfinite(np.asarray(on_data, dtype=float)).any():
        bx.plot(x, on_data, marker="s", label="on the samples (at most one per sample)")
    bx.set_yscale("log")
    bx.set_xticks(x, layers, rotation=45, ha="right", fontsize=8)
    bx.set_xlabel("activation pattern of the layers up to")
    bx.set_ylabel("distinct patterns (regions)")
    bx.set_title("Regions by depth", fontsize=9)
    bx.legend(frameon=False, fontsize=8)


def exact_regions_figure(r: RegionsResult) -> Any:
    """The exact partition drawn as polygons, and the exact counts by depth."""
    import matplotlib.pyplot as plt

    from .polygons import plot_polygons

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 4.6), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.25, 1]})
    extent = [float(e) for e in r.extent]
    plot_polygons(r.polygons, extent=extent, anchors=None if r.anchors is None else r.anchors.tolist(), ax=ax,
                  linewidth=0.4)
    pts = np.asarray(r.points, dtype=float).reshape(-1, 2)
    if len(pts):
        inside = ((pts[:, 0] >= extent[0]) & (pts[:, 0] <= extent[1]) & (pts[:, 1] >= extent[2])
                  & (pts[:, 1] <= extent[3]))
        c = r.point_labels
        ax.scatter(pts[inside, 0], pts[inside, 1], s=7, c="w" if c is None else np.asarray(c)[inside],
                   cmap=None if c is None else "tab10", edgecolors="k", linewidths=0.3, zorder=2)
    ax.set_aspect("auto")
    ax.set_xlabel("s (along u, input units)")
    ax.set_ylabel("t (along v, input units)")
    ax.set_title(f"{r.full_window_regions} linear regions on the plane through three samples (black dots), counted "
                 "exactly:\neach polygon is one activation pattern; small dots: samples projected", fontsize=9)
    regions_by_depth(bx, r, "on the plane (exact)")
    return fig
