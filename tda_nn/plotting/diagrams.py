"""Figures of single diagrams: persistence diagrams, barcodes, Betti curves across layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..diagrams import Diagrams

__all__ = ["plot_barcode", "plot_betti_curves", "plot_diagram"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _axes(ax: Any, figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def _finite_max(dgms: Diagrams) -> float:
    vals = [a[np.isfinite(a)] for a in dgms if len(a)]
    top = max((float(v.max()) for v in vals if v.size), default=1.0)
    return top if top > 0 else 1.0


def plot_diagram(dgms: Diagrams, *, dims: Sequence[int] | None = None, ax: Any = None, title: str | None = None):
    """Persistence diagram: birth against death per dimension; essential bars on a dashed ``inf`` line.

    Returns the matplotlib ``Figure``.
    """
    fig, ax = _axes(ax, (4.6, 4.4))
    dims = range(len(dgms)) if dims is None else dims
    top = _finite_max(dgms)
    inf_y = top * 1.1
    for d in dims:
        a = dgms[d]
        fin = np.isfinite(a[:, 1])
        c = _COLORS[d % len(_COLORS)]
        ax.scatter(a[fin, 0], a[fin, 1], s=14, alpha=0.75, color=c, label=f"H{d} ({len(a)})", edgecolors="none")
        if (~fin).any():
            ax.scatter(a[~fin, 0], np.full((~fin).sum(), inf_y), s=30, marker="^", color=c, edgecolors="none")
    ax.plot([0, inf_y], [0, inf_y], color="0.5", lw=0.8)
    ax.axhline(inf_y, color="0.5", lw=0.8, ls="--")
    ax.text(0.02 * top, inf_y, "inf", va="bottom", fontsize=8, color="0.4")
    ax.set_xlim(-0.03 * top, inf_y * 1.03)
    ax.set_ylim(-0.03 * top, inf_y * 1.06)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_title(title or _title(dgms, "persistence diagram"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def plot_barcode(dgms: Diagrams, *, dims: Sequence[int] | None = None, max_bars: int = 60, ax: Any = None,
                 title: str | None = None):
    """Barcode: the ``max_bars`` longest bars of each dimension as horizontal segments.

    Returns the matplotlib ``Figure``.
    """
    fig, ax = _axes(ax, (6.0, 4.4))
    dims = range(len(dgms)) if dims is None else dims
    top = _finite_max(dgms) * 1.1
    y = 0
    ticks, labels = [], []
    for d in dims:
        a = dgms[d]
        life = np.where(np.isfinite(a[:, 1]), a[:, 1], top) - a[:, 0]
        order = np.argsort(-life, kind="stable")[:max_bars]
        start = y
        for b, e in a[order]:
            ax.plot([b, top if not np.isfinite(e) else e], [y, y], color=_COLORS[d % len(_COLORS)], lw=1.6,
                    solid_capstyle="butt")
            if not np.isfinite(e):
                ax.plot([top], [y], marker=">", color=_COLORS[d % len(_COLORS)], ms=4)
            y += 1
        if y > start:
            ticks.append((start + y - 1) / 2)
            shown = f" (top {max_bars} of {len(a)})" if len(a) > max_bars else ""
            labels.append(f"H{d}{shown}")
        y += 2
    ax.set_yticks(ticks, labels)
    ax.invert_yaxis()
    ax.set_xlabel("filtration value (scale)")
    ax.set_title(title or _title(dgms, "barcode"))
    return fig


def betti_curve(dgms: Diagrams, dim: int, grid: np.ndarray) -> np.ndarray:
    """Betti number of H_dim at each grid value (bars are half-open ``[birth, death)``)."""
    a = dgms[dim]
    if len(a) == 0:
        return np.zeros(len(grid), dtype=int)
    return ((a[:, :1] <= grid[None, :]) & (grid[None, :] < a[:, 1:])).sum(axis=0)


def plot_betti_curves(diagrams: Mapping[str, Diagrams] | Sequence[Diagrams], *, dim: int = 1, n_grid: int = 200,
                      relative: bool = False, ax: Any = None, title: str | None = None):
    """Betti curves of one dimension, one line per layer (or per diagram), coloured by depth.

    ``relative=True`` divides each layer's scale by its largest finite death, so that
    layers of different width share one axis. Returns the matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    items = list(diagrams.items()) if isinstance(diagrams, Mapping) else [(str(i), d) for i, d in enumerate(diagrams)]
    fig, ax = _axes(ax, (6.0, 4.0))
    cmap = plt.get_cmap("viridis")
    for k, (name, d) in enumerate(items):
        scale = _finite_max(d) if relative else 1.0
        top = 1.05 if relative else max(_finite_max(x) for _, x in items) * 1.05
        grid = np.linspace(0, top, n_grid)
        curve = betti_curve(d, dim, grid * scale)
        ax.step(grid, curve, where="post", color=cmap(k / max(len(items) - 1, 1)), lw=1.5, label=name)
    ax.set_xlabel("scale / layer's largest death" if relative else "scale")
    ax.set_ylabel(f"Betti number β{dim}")
    ax.set_title(title or f"H{dim} Betti curves across layers")
    if len(items) <= 14:
        ax.legend(fontsize=7, frameon=False, ncol=2)
    return fig


def _title(dgms: Diagrams, what: str) -> str:
    layer = dgms.meta.get("layer")
    return f"{what}: {layer}" if layer else what
