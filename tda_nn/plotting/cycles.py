"""Figures of loops: lifelines of tracked loops across depth, and loops drawn on a 2-D view."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_cycles", "plot_lifelines"]

_END_MARK = {"died": ("x", "died"), "merged": ("v", "merged"), "survives": (">", "survives")}


def _axes(ax: Any, figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def plot_lifelines(lifelines: Any, *, ax: Any = None, title: str | None = None):
    """Lifelines across depth: one row per tracked loop, layers on the x axis.

    A filled dot marks a layer where the loop was a chosen (significant) bar, an open
    dot a layer it persists through without being chosen; the line's width grows with
    the relative span ``(c - a) / c`` of scales over which it is non-trivial there.
    The end is marked ``x`` (died), ``v`` with a dotted link to the lifeline it merged
    into, or ``>`` (survives).

    Parameters
    ----------
    lifelines : Lifelines
        The result of :func:`tda_nn.track_features`.
    ax : matplotlib Axes or None, default=None
    title : str or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    layers = list(lifelines.layers)
    pos = {x: i for i, x in enumerate(layers)}
    fig, ax = _axes(ax, (max(4.0, 0.9 * len(layers) + 2.0), max(2.2, 0.45 * len(lifelines) + 1.4)))
    rows = {f.id: k for k, f in enumerate(lifelines)}
    for k, f in enumerate(lifelines):
        xs = [pos[x] for x in f.layers]
        color = f"C{k % 10}"
        for a, b in zip(xs[:-1], xs[1:]):
            lo, hi = f.scales[layers[b]]
            width = 1.0 + 5.0 * (1.0 - lo / hi if np.isfinite(hi) and hi > 0 else 1.0)
            ax.plot([a, b], [k, k], color=color, lw=width, solid_capstyle="round")
        for x in f.layers:
            filled = x in f.found
            ax.plot([pos[x]], [k], "o", ms=7, color=color, mfc=color if filled else "white", zorder=3)
        marker, _ = _END_MARK[f.end]
        if f.end == "survives":
            ax.plot([xs[-1] + 0.3], [k], marker, color=color, ms=7)
        else:
            end_x = pos[f.ended_at]
            ax.plot([xs[-1], end_x], [k, k], color=color, lw=0.8, ls=":")
            ax.plot([end_x], [k], marker, color=color, ms=8, mew=2)
            if f.end == "merged" and f.merged_into in rows:
                ax.annotate("", xy=(end_x, rows[f.merged_into]), xytext=(end_x, k),
                            arrowprops={"arrowstyle": "->", "color": color, "lw": 0.8, "ls": ":"})
    ax.set_xticks(range(len(layers)))
    ax.set_xticklabels(layers, rotation=30, ha="right")
    ax.set_yticks(range(len(lifelines)))
    ax.set_yticklabels([f"loop {f.id}" for f in lifelines])
    ax.set_xlim(-0.5, len(layers) - 0.2)
    ax.set_ylim(max(len(lifelines), 1) - 0.5, -0.5)
    if not len(lifelines):
        ax.text(0.5, 0.5, "no loops persist", transform=ax.transAxes, ha="center", va="center", color="0.4")
    ax.set_xlabel("layer (depth)")
    ax.set_title(title or f"{len(lifelines)} loop lifeline{'s' if len(lifelines) != 1 else ''} across depth")
    return fig


def plot_cycles(Y: Any, cycles: Any, *, labels: Any = None, ax: Any = None, title: str | None = None):
    """Loops drawn on a 2-D view of the samples (e.g. a PCA of the layer).

    Parameters
    ----------
    Y : array-like of shape (n_samples, 2)
        2-D coordinates of every original sample.
    cycles : Cycles, Cycle or sequence of Cycle
        Loops whose ``indices`` are rows of ``Y``.
    labels : array-like of shape (n_samples,) or None, default=None
        Colours the samples.
    ax : matplotlib Axes or None, default=None
    title : str or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2 or Y.shape[1] != 2:
        raise ValueError(f"Y must be 2-D coordinates of shape (n_samples, 2), got shape {Y.shape}; "
                         "project the layer first, e.g. tda_nn.pca(X, 2).")
    if hasattr(cycles, "indices"):
        cycles = [cycles]
    fig, ax = _axes(ax, (4.8, 4.4))
    c = None if labels is None else np.asarray(labels)
    ax.scatter(Y[:, 0], Y[:, 1], s=8, c="0.7" if c is None else c, cmap=None if c is None else "tab10",
               alpha=0.6, edgecolors="none")
    for k, cyc in enumerate(cycles):
        idx = np.asarray(cyc.indices)
        if idx.max(initial=-1) >= len(Y):
            raise ValueError(f"cycle {k} uses sample {int(idx.max())}, but Y has {len(Y)} rows.")
        loop = np.r_[idx, idx[:1]]
        ax.plot(Y[loop, 0], Y[loop, 1], "-o", ms=3, lw=1.4, color=f"C{k % 10}",
                label=f"loop {k}: [{cyc.bar[0]:.3g}, {cyc.bar[1]:.3g})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_title(title or "representative loops")
    return fig
