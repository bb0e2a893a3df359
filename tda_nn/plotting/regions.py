"""Figures of ReLU activation regions: a plane's partition, and region counts by layer or over training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["plot_region_counts", "plot_regions_plane"]


def _axes(ax: Any, figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def plot_regions_plane(
    result: Any,
    *,
    X: Any = None,
    y: Any = None,
    boundary: bool = True,
    edges: bool = True,
    seed: int = 0,
    ax: Any = None,
    title: str | None = None,
):
    """The partition of a plane into activation regions, one colour per region.

    Parameters
    ----------
    result : PlaneRegions or ExactPlaneRegions
        From :func:`tda_nn.regions_on_plane`; an exact result is drawn as its polygons.
    X : array-like of shape (n_samples, *input_shape), optional
        Data drawn at their orthogonal projections onto the plane.
    y : array-like of shape (n_samples,), optional
        Labels colouring ``X``.
    boundary : bool, default=True
        Draw the decision boundary (where the predicted class changes) in black.
    edges : bool, default=True
        Darken grid points whose right or upper neighbour lies in another region.
    seed : int, default=0
        Shuffles region colours so that neighbours differ.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap

    if hasattr(result, "polygons"):  # the exact partition: draw its polygons, not a raster
        fig, ax = _axes(ax, (5.2, 5.0))
        result.plot(ax=ax)
        if X is not None and hasattr(result, "project"):
            P = result.project(X)
            ax.scatter(P[:, 0], P[:, 1], c=None if y is None else np.asarray(y), s=8, cmap="tab10", zorder=3)
        ax.set_title(title or f"{result.n_regions} activation regions (exact)")
        return fig
    labels = np.asarray(result.labels)
    fig, ax = _axes(ax, (5.2, 5.0))
    k = int(result.n_regions)
    rng = np.random.default_rng(seed)
    colors = rng.uniform(0.35, 0.95, size=(max(k, 1), 3))
    img = colors[labels]
    if edges:
        edge = np.zeros(labels.shape, dtype=bool)
        edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
        edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
        img[edge] *= 0.55
    ext = result.extent
    ax.imshow(img, origin="lower", extent=ext, aspect="auto", interpolation="nearest")
    if boundary:
        pred = np.asarray(result.predicted)
        classes = np.unique(pred)
        if len(classes) > 1:
            S, T = np.meshgrid(result.s, result.t)
            for c in classes:
                ax.contour(S, T, (pred == c).astype(float), levels=[0.5], colors="k", linewidths=1.4)
    if X is not None:
        P = result.project(X)
        cmap = ListedColormap(["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"])
        c = None if y is None else np.asarray(y).ravel()
        ax.scatter(P[:, 0], P[:, 1], s=12, c="k" if c is None else c, cmap=None if c is None else cmap,
                   edgecolors="white", linewidths=0.4, zorder=3)  # fmt: skip
        ax.set_xlim(ext[0], ext[1])
        ax.set_ylim(ext[2], ext[3])
    if result.anchors is not None:
        ax.scatter(result.anchors[:, 0], result.anchors[:, 1], marker="*", s=90, c="gold", edgecolors="k",
                   zorder=4, label="plane anchors")  # fmt: skip
    ax.set_xlabel("s (along u)")
    ax.set_ylabel("t (along v)")
    ax.set_title(title or f"{k} activation regions on the plane")
    return fig


def _by_layer(result: Any) -> tuple[list[str], np.ndarray]:
    counts = np.asarray(result.counts if hasattr(result, "counts") else result.cumulative_counts())
    return list(result.layers), counts


def plot_region_counts(
    counts: Any,
    *,
    steps: Sequence[float] | None = None,
    keys: Sequence[str] | None = None,
    bound: bool = True,
    log: bool = True,
    ax: Any = None,
    title: str | None = None,
):
    """Region counts by layer, or over training.

    Parameters
    ----------
    counts : result, mapping of label to result, sequence of dicts, or TrainingTrace
        * a ``PlaneRegions``, ``PathRegions`` or ``ActivationPatterns``: cumulative
          counts by layer (with the product bound for a plane when ``bound``);
        * a mapping ``label -> result``: one line per result (e.g. per checkpoint);
        * a sequence of dicts from :func:`~tda_nn.nn.regions.region_counts`:
          one line per key over training;
        * a :class:`~tda_nn.diagnostics.trace.TrainingTrace` with region counts:
          its ``regions`` at its ``steps``.
    steps : sequence of float, optional
        x values of a training series (default ``0, 1, ...``, or the trace's steps).
    keys : sequence of str, optional
        Keys of a training series to draw (default: those without ``'/'``, except
        ``'patterns_fraction'``).
    bound : bool, default=True
    log : bool, default=True
        Logarithmic y axis, labelled with plain numbers (kept linear when the
        counts span less than a factor of 2).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if hasattr(counts, "regions") and hasattr(counts, "steps") and hasattr(counts, "profiles"):  # a TrainingTrace
        if counts.regions is None:
            raise ValueError("counts: this TrainingTrace has no region counts; record them with "
                             "TopologyMonitor(..., regions=True).")
        steps = counts.steps if steps is None else steps
        counts = list(counts.regions)
    fig, ax = _axes(ax, (5.6, 3.8))
    if isinstance(counts, Sequence) and not isinstance(counts, (str, bytes)) and all(
        isinstance(c, Mapping) for c in counts
    ):
        if not counts:
            raise ValueError("counts: got an empty series.")
        x = np.arange(len(counts)) if steps is None else np.asarray(steps, dtype=float)
        if len(x) != len(counts):
            raise ValueError(f"steps must have one value per entry of counts ({len(counts)}), got {len(x)}.")
        if keys is None:
            keys = [k for k in counts[0] if "/" not in k and k not in ("patterns_fraction", "plane_exact")
                    and not k.endswith(("_low", "_high"))]
        for key in keys:
            ax.plot(x, [c.get(key, np.nan) for c in counts], marker="o", ms=3, label=key)
        ax.set_xlabel("step")
        if np.all(x == np.round(x)):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("regions (distinct activation patterns)")
        ax.set_title(title or "activation regions over training")
    else:
        items = counts.items() if isinstance(counts, Mapping) else [(None, counts)]
        for label, res in items:
            if not hasattr(res, "layers"):
                raise TypeError(
                    "counts must be a PlaneRegions/PathRegions/ActivationPatterns, a mapping of those, or a "
                    f"sequence of region_counts dicts; got {type(res).__name__}."
                )
            names, c = _by_layer(res)
            x = np.arange(1, len(c) + 1)
            line = ax.plot(x, c, marker="o", label=label or "regions")[0]
            if bound and hasattr(res, "bound") and hasattr(res, "n_units"):
                from ..nn.regions import region_bound

                b = [region_bound(res.n_units[: i + 1], 2) for i in range(len(c))]
                ax.plot(x, b, ls="--", color=line.get_color(), alpha=0.6, label="product bound")
            ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_xlabel("up to layer")
        ax.set_ylabel("regions (cumulative)")
        ax.set_title(title or "activation regions by layer")
    if log:
        _log_y(ax, [y for line in ax.get_lines() for y in np.asarray(line.get_ydata(), dtype=float)])
    ax.legend(fontsize=8, frameon=False)
    return fig


def _log_y(ax: Any, values: Any) -> None:
    """A log y axis labelled with plain numbers (50, 100, 200, ...), not ``6×10^1``.

    Counts that span less than a factor of 2 keep a linear axis: a log axis over
    them has no labelled decade and matplotlib falls back to cluttered minor labels.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0 or v.max() < 2 * v.min():
        return
    ax.set_yscale("log")
    decades = np.log10(v.max() / v.min())
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if decades < 3 else (1.0,)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
