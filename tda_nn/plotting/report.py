"""The figures of a ``Report``, drawn from its typed results (:mod:`tda_nn.results`).

Room: results floor (``plotting``). Imports numpy, ``results`` and its plotting
neighbours (``report_regions``, ``report_pillars``, ``layers``, ``draw``);
matplotlib inside the functions. Never imports ``report``, ``workflows`` or ``cli``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..results import Table
from .draw import diagram_dims, draw_diagram
from .report_pillars import pillar_figures
from .report_regions import grid_regions_figure, regions_by_depth

__all__ = ["regions_by_depth", "report_figures"]

# one sentence per figure on what it shows and how to read it (the HTML page prints it above the figure)
CAPTIONS = {
    "mapper": "The Mapper graph of each layer (nodes sized by their samples, coloured by majority class) and the "
              "links between consecutive layers, shaded by the samples they share.",
    "views": "Each layer's samples on their first two principal axes (or UMAP), coloured by class: "
             "classes drawn apart in a later layer are separated there.",
    "diagrams": "Each point is a feature born at the x value and dead at the y value, in units of the layer's "
                "median pairwise distance; the dotted line is the significance threshold: points above it count. "
                "When a layer ran on landmarks, its coloured points are the landmarks' diagram (within 2r of that "
                "of all the samples), and the black ticks at birth 0 are the H0 deaths of every sample, exact (a "
                "float64 minimum spanning tree); orange rings mark the significant cluster merges on the points "
                "their test ran on (every sample when the legend says so).",
    "betti_curves": "How many features of each dimension are alive at each scale (x: multiple of the layer's "
                    "median pairwise distance), one line per layer, dark to light with depth; where a layer ran on "
                    "landmarks, the dashed β0 line counts the components of every sample (exact).",
    "layer_profile": "Significant features, the threshold they must exceed, the longest bar and the summaries per "
                     "layer, input on the left; one panel per homology dimension.",
    "layer_distances": "Layer x layer matrices: diagram distances per homology dimension (0: same shape) and CKA "
                       "(1: same representation up to rotation and scale).",
    "probes": "Cross-validated accuracy of a probe per layer: the topological probe is informative where it stands "
              "above its shuffled-label control.",
    "training": "Each quantity over the checkpoints, one line per layer.",
    "regions": "The linear regions of the ReLU network on a plane through three samples (left) and the number "
               "of distinct activation patterns by depth (right).",
}


def report_figures(report: Any) -> dict[str, Any]:
    """Figures by file stem: views, diagrams, Betti curves, layer profile, matrices, probes, training, regions."""
    figs: dict[str, Any] = {}
    views = getattr(report, "views", None)
    if views and views.coords:
        from .layers import plot_layer_views

        figs["views"] = plot_layer_views(views.legacy())
    if report.diagrams:
        figs["diagrams"] = _diagram_grid(report.diagrams, report.table)
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
    if report.regions is not None and not report.regions.exact:
        figs["regions"] = grid_regions_figure(report.regions)
    figs.update(pillar_figures(report))
    if getattr(report, "mapper", None):
        from .mapper import plot_mapper

        figs["mapper"] = plot_mapper(report.mapper)
    return figs


def _subplots(n: int, ncols: int, size: tuple[float, float]):
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), layout="constrained", squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _unit(d: Any) -> float:
    """The layer's median pairwise distance (the report's one scale), or 1 when the diagram does not record it."""
    r = d.meta.get("reference_scale") if hasattr(d, "meta") else None
    return float(r) if r and float(r) > 0 else 1.0


def _scaled(d: Any) -> Any:
    from ..diagrams import Diagrams

    return Diagrams([np.asarray(a) / _unit(d) for a in d], meta=dict(d.meta))


def _diagram_grid(diagrams: dict, table: Table | None = None, max_panels: int = 12):
    items = list(diagrams.items())
    if len(items) > max_panels:  # keep the first, the last and evenly spaced ones in between
        keep = np.unique(np.linspace(0, len(items) - 1, max_panels).round().astype(int))
        items = [items[i] for i in keep]
    fig, axes = _subplots(len(items), 4, (3.3, 3.2))
    for ax, (layer, d) in zip(axes, items):
        _diagram_panel(ax, d, layer)
        row = (table or {}).get(layer)
        thr = None if row is None else row.threshold.get(1)
        if thr is not None and np.isfinite(thr):
            (lo, hi), top = ax.get_xlim(), ax.get_ylim()[1]
            if lo + thr < top:
                ax.plot([lo, hi], [lo + thr, hi + thr], ls=":", color="0.35", lw=1)
                ax.set_xlim(lo, hi)
                ax.set_ylim(top=top)
            else:  # every bar is far below the line: say where it is
                ax.text(0.2, 0.88, f"threshold {thr:.3g}:\nabove this frame", transform=ax.transAxes, fontsize=8,
                        va="top", color="0.3")
        ax.set_xlabel("birth (× median distance)", fontsize=8)
        ax.set_ylabel("death (× median distance)", fontsize=8)
    exact = any(d.meta.get("h0_exact_deaths") is not None for _, d in items)
    fig.suptitle("Persistence diagrams by layer (triangles: bars that never die; dotted: significance threshold"
                 + (";\nblack ticks: H0 of every sample, exact; coloured points: the landmarks' diagram" if exact
                    else "") + ")", fontsize=10 if exact else None)
    return fig


def _diagram_panel(ax: Any, d: Any, layer: str) -> None:
    """One layer's diagram; with landmarks, H0 of every sample (exact) as its own series beside the landmarks'.

    The significant cluster merges are ringed where the test ran: on the exact series when
    it ran on every sample (``meta['h0_test']``), else on the diagram's own H0 bars. Both
    sit at birth 0 and their death, so a ring never lands on a landmark bar it was not
    computed from.
    """
    unit = _unit(d)
    shown = _scaled(d)
    meta = d.meta
    exact = _exact_deaths(d)
    w = np.empty(0) if exact is None else exact
    sig = np.asarray(meta.get("significant_H0_deaths", []), dtype=np.float64).reshape(-1) / unit
    sig = sig[np.isfinite(sig)]
    m = meta.get("n_landmarks")
    draw_diagram(ax, shown, diagram_dims(shown, None), title=layer, legend=False,
                 reach=float(max(w.max(initial=0.0), sig.max(initial=0.0))) if exact is not None else None,
                 note=f", {m} landmarks" if m is not None and exact is not None else "")
    if exact is not None:
        n = int(meta.get("h0_exact_n_points", w.size + 1))
        ax.scatter(np.zeros(w.size), w, marker="_", s=80, color="k", linewidths=0.9, zorder=3,
                   label=f"H0, all {n} samples (exact; {w.size} finite)")
    if sig.size and 0 < len(shown) and len(shown[0]):
        where = "all samples" if exact is not None and "all samples" in str(meta.get("h0_test", "")) else \
            ("landmarks" if m is not None else "these points")
        ax.scatter(np.zeros(sig.size), sig, s=90, facecolors="none", edgecolors="#ff7f0e", linewidths=1.3,
                   zorder=4, label=f"significant cluster merges ({where})")
    ax.legend(loc="lower right", fontsize=6, frameon=False)


def _exact_deaths(d: Any) -> np.ndarray | None:
    """The finite H0 deaths of every sample (``meta['h0_exact_deaths']``) in median-distance units, or None."""
    w = d.meta.get("h0_exact_deaths") if hasattr(d, "meta") else None
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64).reshape(-1) / _unit(d)
    return w[np.isfinite(w)]


def _betti_panels(diagrams: dict, dims: int):
    """Betti curves in units of each layer's median pairwise distance, one panel per homology dimension."""
    import matplotlib.pyplot as plt

    n = min(dims, 3)
    fig, axes = _subplots(n, 3, (4.6, 3.6))
    items = list(diagrams.items())
    scaled = [(layer, _scaled(d)) for layer, d in items]
    exact = {layer: _exact_deaths(d) for layer, d in items}  # H0 of every sample, when the diagrams are landmarks'
    finite = [a[np.isfinite(a)] for _, d in scaled for a in d] + [w for w in exact.values() if w is not None]
    top = max((float(v.max()) for v in finite if v.size), default=1.0)
    grid = np.linspace(0.0, top, 200)
    cmap = plt.get_cmap("viridis")
    for dim, ax in enumerate(axes[:n]):
        dashed = False
        for i, (layer, d) in enumerate(scaled):
            if dim >= len(d):
                continue
            colour = cmap(0.9 * i / max(len(scaled) - 1, 1))
            a = np.asarray(d[dim])
            alive = ((a[:, :1] <= grid[None, :]) & (grid[None, :] < a[:, 1:])).sum(axis=0)
            ax.plot(grid, alive, color=colour, lw=1.3, label=layer)
            if dim == 0 and exact[layer] is not None:  # the one infinite bar and every finite death of the tree
                ax.plot(grid, 1 + (exact[layer][:, None] > grid[None, :]).sum(axis=0), color=colour, lw=1.0, ls="--")
                dashed = True
        ax.set_title(f"β{dim} across layers" + (" (dashed: every sample, exact)" if dashed else ""), fontsize=10)
        ax.set_xlabel("scale (× median distance)")
        ax.set_ylabel(f"β{dim}")
        if dim == 0:
            ax.set_yscale("symlog", linthresh=1.0)
        ax.grid(alpha=0.3)
    axes[n - 1].legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="layer",
                       title_fontsize=8)
    fig.suptitle("Betti curves, scale in units of each layer's median pairwise distance")
    return fig


def _profile(table: Table):
    """Per-layer panels, one per homology dimension: significant count, threshold and longest bar; then TwoNN."""
    from matplotlib.ticker import MaxNLocator

    rows = table.rows
    layers = [r.key for r in rows]
    x = np.arange(len(layers))
    dims = sorted({k for r in rows for k in (*r.n_significant, *r.longest)})

    def per_dim(name: str, k: int) -> np.ndarray:
        return np.array([float(getattr(r, name).get(k, np.nan)) for r in rows])

    def scalar(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(r, name) is None else float(getattr(r, name)) for r in rows])

    has = {name: {k for r in rows for k in getattr(r, name)} for name in ("n_significant", "threshold")}
    bound = scalar("landmark_bound")
    panels = [("count", k) for k in dims if k in has["n_significant"]]
    exact = scalar("h0_exact_longest")
    panels += [("lengths", k) for k in dims if k > 0 or (k == 0 and np.isfinite(exact).any())]
    if any(r.intrinsic_dim is not None for r in rows):
        panels.append(("twonn", 0))
    if not panels:
        return None
    fig, axes = _subplots(len(panels), 3, (4.4, 3.5))
    for ax, (kind, k) in zip(axes, panels):
        if kind == "count":
            counts = per_dim("n_significant", k)
            ax.plot(x, counts, marker="o", ms=4, color="C0")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(-0.5, max(1.0, float(np.nanmax(counts)) if np.isfinite(counts).any() else 1.0) * 1.25 + 0.5)
            ax.set_title(f"significant H{k} bars", fontsize=10)
            ax.set_ylabel("count")
        elif kind == "lengths" and k == 0:  # the landmarks' longest H0 bar against that of every sample (exact)
            ax.plot(x, per_dim("longest", 0), marker="o", ms=4, label="longest, landmarks")
            ax.plot(x, exact, marker="_", ms=10, mew=1.5, ls="none", color="k", label="longest, every sample (exact)")
            if np.isfinite(bound).any() and np.nanmax(bound) > 0:
                ax.fill_between(x, np.maximum(exact - bound, 0), exact + bound, color="0.85", label="exact ± 2r")
            ax.set_title("H0: longest finite bar", fontsize=10)
            ax.set_ylabel("lifetime (× median distance)")
            ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.1), ncol=2)
        elif kind == "lengths":
            ax.plot(x, per_dim("longest", k), marker="o", ms=4, label="longest bar")
            if k in has["threshold"] and not any(k in r.p for r in rows):  # a ratio threshold is not a lifetime
                ax.plot(x, per_dim("threshold", k), marker="s", ms=4, ls="--", label="threshold")
            if np.isfinite(bound).any() and np.nanmax(bound) > 0:
                ax.plot(x, 2 * bound, ls=":", color="0.3", label="2 × landmark bound")
            ax.set_title(f"H{k}: longest bar against the threshold", fontsize=10)
            ax.set_ylabel("lifetime (× median distance)")
            ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.1), ncol=3)
        else:
            ax.plot(x, scalar("intrinsic_dim"), marker="o", ms=4, color="0.2")
            ax.set_title("intrinsic dimension (TwoNN)", fontsize=10)
            ax.set_ylabel("dimension")
        ax.set_xticks(x, layers, rotation=45, ha="right", fontsize=8)
        ax.grid(alpha=0.3)
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
                     else "distance (× median distance; 0: same diagrams)")
        if len(labels) <= 10:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    if np.isfinite(m[i, j]):
                        r, g, b, _ = cmap(im.norm(m[i, j]))
                        ink = "k" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "w"
                        ax.text(j, i, f"{m[i, j]:.2g}", ha="center", va="center", fontsize=7, color=ink)
    fig.suptitle("Layer x layer comparisons")
    return fig


def _probes(p: Any):
    import matplotlib.pyplot as plt

    layers = list(p.layers)
    x = np.arange(len(layers))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(layers) + 2), 3.8), layout="constrained")
    w = 0.27
    ax.bar(x - w, p.topological, w, label="topological probe")
    ax.bar(x, p.linear, w, label="linear probe (pooled)")
    ax.bar(x + w, p.shuffled, w, label="topological, shuffled labels")
    ax.axhline(p.chance, color="0.4", ls="--", lw=1, label="chance")
    ax.set_xticks(x, layers, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Does topology carry the label?")
    ax.legend(fontsize=9, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
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
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
