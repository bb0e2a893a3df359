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


_PROFILE_COLUMNS = ("total_persistence", "entropy", "significant", "intrinsic_dim", "betti")


def _profile(table: dict):
    layers = list(table)
    cols = sorted({c for row in table.values() for c in row if c.startswith(_PROFILE_COLUMNS)})
    if not cols:
        return None
    groups: dict[str, list[str]] = {}
    for c in cols:
        key = next(p for p in _PROFILE_COLUMNS if c.startswith(p))
        groups.setdefault(key, []).append(c)
    fig, axes = _subplots(len(groups), 3, (4.4, 3.3))
    x = np.arange(len(layers))
    for ax, (key, cs) in zip(axes, groups.items()):
        for c in cs[:6]:
            y = [float(table[layer].get(c, np.nan)) for layer in layers]
            ax.plot(x, y, marker="o", ms=3.5, label=c)
        ax.set_title(key.replace("_", " "))
        ax.set_xticks(x, layers, rotation=60, ha="right", fontsize=7)
        ax.set_xlabel("layer")
        ax.legend(fontsize=6.5, frameon=False)
    fig.suptitle("Layer profile")
    return fig


def _matrices(matrices: dict):
    fig, axes = _subplots(len(matrices), 2, (5.2, 4.6))
    for ax, (name, (labels, m)) in zip(axes, matrices.items()):
        m = np.asarray(m, dtype=float)
        im = ax.imshow(np.where(np.isfinite(m), m, np.nan), cmap="magma_r" if "CKA" not in name else "viridis")
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_title(name)
        fig.colorbar(im, ax=ax, shrink=0.8)
        if len(labels) <= 10:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    if np.isfinite(m[i, j]):
                        ax.text(j, i, f"{m[i, j]:.2g}", ha="center", va="center", fontsize=6.5, color="0.5")
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
        ax.set_title(name.replace("_", " "))
        ax.set_xlabel("step")
        ax.legend(fontsize=6.5, frameon=False)
    fig.suptitle("Over training")
    return fig
