"""Figures across layers and over training: layer profiles, layer distance heatmaps, training series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_distance_matrix", "plot_layer_profile", "plot_layer_views", "plot_training"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_DIM_NAMES = {0: "components", 1: "loops", 2: "voids"}


def _short(names: Sequence[str], n: int = 14) -> list[str]:
    return [s if len(s) <= n else s[: n - 1] + "…" for s in names]


def _scale_unit(profile: Any) -> str:
    """How a profile's scales read: fractions of the median distance, hops, or the layer's own units."""
    if profile.params.get("method") == "knn_hops":
        return " hops"
    return "" if profile.params.get("scale_reference") in ("none", "hops") else " × median dist."


def plot_layer_profile(profile: Any, *, dims: Sequence[int] | None = None, cls: Any = None, title: str | None = None):
    """Betti numbers at every scale, significant bars, total persistence and intrinsic dimension per layer.

    One panel of Betti numbers per homology dimension (one line per scale), then
    total persistence and the TwoNN intrinsic dimension; the layers on the x axis.

    Parameters
    ----------
    profile : LayerProfile
    dims : sequence of int, optional
        Homology dimensions shown (default all).
    cls : label, optional
        Draw the sub-profile of this class instead.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if cls is not None:
        profile = profile.per_class[cls]
    dims = list(range(profile.maxdim + 1)) if dims is None else list(dims)
    x = np.arange(len(profile.layers))
    unit = _scale_unit(profile)
    # one Betti panel per dimension: beta_0 counts run to the number of points and
    # would flatten beta_1 (a handful of loops) against the axis on a shared scale
    fig, axes = plt.subplots(1, len(dims) + 2, figsize=(4.3 * (len(dims) + 2), 3.8), layout="constrained")
    styles = ("-", "--", ":", "-.")
    pers_ax, dim_ax = axes[-2], axes[-1]
    for ax, k in zip(axes, dims):
        for s, scale in enumerate(profile.scales):
            ax.plot(x, profile.betti[:, s, k], marker="o", ms=4, color=_COLORS[k % len(_COLORS)],
                    ls=styles[s % len(styles)], label=f"at {scale:g}{unit}")
        if profile.n_significant is not None:
            ax.plot(x, profile.n_significant[:, k], marker="s", ms=5, lw=0, color=_COLORS[k % len(_COLORS)],
                    mfc="none", label="significant bars")
            if profile.landmark_bound is not None and k > 0:
                # where twice the landmark bound exceeds every bar the count 0 says nothing: mark it
                longest = np.array([max((v for v in d.lifetimes(k) if np.isfinite(v)), default=0.0) / r
                                    for d, r in zip(profile.diagrams, profile.reference_scale)])
                # a layer without a bar has none to swamp: it is not marked (the findings say "no bar at all")
                swamped = (profile.landmark_bound > 0) & (longest > 0) & (2 * profile.landmark_bound >= longest)
                if swamped.any():
                    ax.plot(x[swamped], np.zeros(int(swamped.sum())), marker="x", ms=8, lw=0, color="0.3",
                            label="swamped by the landmark bound")
        top = max(float(profile.betti[:, :, k].max()), 1.0)
        if profile.n_significant is not None:
            top = max(top, float(profile.n_significant[:, k].max()))
        # zero off the frame, and headroom above the lines for the legend ('best' still covered them)
        ax.set_ylim(-0.06 * top, 1.4 * top)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"Betti number β{k}")
        ax.set_title(f"β{k} ({_DIM_NAMES.get(k, f'H{k}')})")
        ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
    ax = pers_ax
    for k in dims:
        ax.plot(x, profile.total_persistence[:, k], marker="o", ms=4, color=_COLORS[k % len(_COLORS)], label=f"H{k}")
    ax.set_ylabel(f"total persistence{'' if not unit else ' (' + unit.strip() + ')'}")
    ax.set_title("Total persistence (finite bars)")
    ax.legend(fontsize=8, frameon=False)
    ax = dim_ax
    if profile.intrinsic_dim is not None:
        ax.plot(x, profile.intrinsic_dim, marker="o", ms=4, color="0.2")
        d = profile.intrinsic_dim[np.isfinite(profile.intrinsic_dim) & (profile.intrinsic_dim > 0)]
        if d.size and d.max() > 100 * d.min():  # e.g. TwoNN on a regular grid (equal neighbour distances)
            ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "not available\n(profile made from diagrams)", ha="center", va="center",
                transform=ax.transAxes, color="0.4")
    ax.set_ylabel("TwoNN dimension")
    ax.set_title("Intrinsic dimension")
    for ax in fig.axes:
        ax.set_xticks(x, _short(profile.layers), rotation=45 if len(x) > 4 else 0, ha="right" if len(x) > 4 else "center",
                      fontsize=8)
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
    label = "" if cls is None else f" — class {cls}"
    fig.suptitle(title or f"Layer profile ({profile.params.get('method', 'rips')}){label}")
    return fig


def plot_distance_matrix(comparison: Any, labels: Sequence[str] | None = None, *, which: str = "matrix",
                         title: str | None = None, cmap: str = "viridis", annotate: bool | None = None, ax: Any = None):
    """A labelled heatmap of a layer x layer matrix, with a colour bar.

    Parameters
    ----------
    comparison : LayerComparison or array-like of shape (n, n)
    labels : sequence of str, optional
        Row/column names (default the comparison's layers, or 0..n-1).
    which : {'matrix', 'cka', 'rtd'}, default='matrix'
        Which matrix of a ``LayerComparison`` to draw.
    title : str, optional
    cmap : str, default='viridis'
    annotate : bool, optional
        Write the values in the cells (default when n <= 10).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    name = "values"
    if hasattr(comparison, "matrix"):
        if which not in ("matrix", "cka", "rtd"):
            raise ValueError(f"which must be 'matrix', 'cka' or 'rtd', got {which!r}.")
        M = getattr(comparison, which)
        if M is None:
            raise ValueError(f"this comparison has no {which!r} matrix (compare_layers(include_{which}=True)).")
        labels = list(comparison.layers) if labels is None else labels
        name = {"matrix": f"{comparison.metric} distance (H{comparison.dim})" if comparison.dim is not None
                else f"{comparison.metric} distance", "cka": "linear CKA", "rtd": "RTD"}[which]
    else:
        M = comparison
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"comparison must be a square matrix, got shape {M.shape}.")
    n = M.shape[0]
    labels = [str(i) for i in range(n)] if labels is None else [str(s) for s in labels]
    if len(labels) != n:
        raise ValueError(f"labels must have {n} entries, got {len(labels)}.")
    if ax is None:
        size = max(4.0, 0.45 * n + 2.5)
        fig, ax = plt.subplots(figsize=(size + 1.0, size), layout="constrained")
    fig = ax.figure
    im = ax.imshow(M, cmap=cmap)
    cbar = fig.colorbar(im, ax=ax, shrink=0.85)
    cbar.set_label(name)
    ax.set_xticks(range(n), _short(labels), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), _short(labels), fontsize=8)
    if annotate if annotate is not None else n <= 10:
        for i in range(n):
            for j in range(n):
                # dark text on light cells and white on dark ones, whatever the colour map
                r, g, b, _ = im.cmap(im.norm(M[i, j])) if np.isfinite(M[i, j]) else (1, 1, 1, 1)
                light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
                ax.text(j, i, f"{M[i, j]:.2g}", ha="center", va="center", fontsize=7,
                        color="black" if light else "white")
    ax.set_title(title or f"Layer × layer {name}")
    return fig


def plot_training(trace: Any, quantities: Sequence[str] | None = None, *, dim: int = 1, scale: int = 0,
                  layers: Sequence[str] | None = None, title: str | None = None):
    """Series over training steps, one line per layer, one panel per quantity.

    Parameters
    ----------
    trace : TrainingTrace
    quantities : sequence of str, optional
        Names accepted by :meth:`TrainingTrace.series`. Default ``('betti',
        'total_persistence', 'distance')``, and ``'regions'`` when the trace has
        region counts.
    dim : int, default=1
        Homology dimension of the Betti numbers, persistence and significance.
    scale : int, default=0
        Index of the scale of the Betti numbers.
    layers : sequence of str, optional
        Layers drawn (default all). The ``'regions'`` panel draws one line per
        ReLU layer of ``trace.region_layers`` (cumulative counts) and has its own legend.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from .regions import _log_y

    if quantities is None:
        quantities = ("betti", "total_persistence", "distance") + (("regions",) if trace.regions is not None else ())
    quantities = [quantities] if isinstance(quantities, str) else list(quantities)
    layers = list(trace.layers) if layers is None else list(layers)
    cols = [trace.layers.index(layer) for layer in layers]
    steps = np.asarray(trace.steps)
    fig, axes = plt.subplots(1, len(quantities), figsize=(4.4 * len(quantities), 3.6), layout="constrained",
                             squeeze=False)
    cmap = plt.get_cmap("viridis")
    names = {
        "betti": f"β{dim}" + (f" at {trace.profiles[0].scales[scale]:g}{_scale_unit(trace.profiles[0])}"
                              if trace.profiles else ""),
        "total_persistence": f"H{dim} total persistence", "entropy": f"H{dim} persistent entropy",
        "n_significant": f"significant H{dim} bars", "intrinsic_dim": "TwoNN dimension",
        "noise_level": "bootstrap noise level", "distance": f"{trace.metric} to previous record",
        "regions": "activation regions met by the probe", "plane_regions": "regions on the data plane",
    }
    legend_ax = None
    for ax, q in zip(axes[0], quantities):
        Y = trace.series(q, dim=dim, scale=scale)
        if q in ("regions", "plane_regions"):
            labels = list(trace.region_layers) if q == "regions" else ["plane"]
            warm = plt.get_cmap("plasma")
            for n, label in enumerate(labels):
                ax.plot(steps, Y[:, n], marker="o", ms=3, color=warm(0.85 * n / max(len(labels) - 1, 1)), label=label)
            _log_y(ax, Y)
            if q == "regions":
                ax.legend(fontsize=7, frameon=False, title="ReLUs up to", title_fontsize=8, loc="upper left",
                          bbox_to_anchor=(1.0, 1.0))
        else:
            for n, c in enumerate(cols):
                ax.plot(steps, Y[:, c], marker="o", ms=3, color=cmap(n / max(len(cols) - 1, 1)), label=layers[n])
            if q in ("betti", "n_significant"):
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            legend_ax = ax
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        ax.set_ylabel(names.get(q, q))
        ax.set_title(names.get(q, q))
        ax.grid(alpha=0.3)
    if legend_ax is not None:
        # beside the panel, not on it: 'best' still lands on the lines when they fill the panel
        legend_ax.legend(fontsize=7, frameon=False, title="layer", title_fontsize=8, loc="upper left",
                         bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title or "Topology over training")
    return fig


def plot_layer_views(views: Any, labels: Any = None, *, class_names: Any = None, max_points: int = 1500,
                     title: str | None = None):
    """A 2-D view of every layer's samples (PCA or UMAP coordinates), coloured by label.

    Parameters
    ----------
    views : dict
        Either a report's ``views`` (``{"method", "coords": {layer: (n, 2)}, "labels",
        "class_names"}``, see :func:`tda_nn.analyze`) or a plain dict of layer -> array
        of shape ``(n_samples, 2)``.
    labels : array-like of shape (n_samples,), optional
        Colour of every sample (default the report's labels).
    class_names : dict of label -> str or sequence of str, optional
        Legend entries (default the report's names, else the labels).
    max_points : int, default=1500
        Draw at most this many samples per panel (evenly spaced).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import math

    import matplotlib.pyplot as plt

    if isinstance(views, dict) and "coords" in views:
        coords, method = views["coords"], views.get("method", "pca")
        labels = views.get("labels") if labels is None else labels
        class_names = views.get("class_names") if class_names is None else class_names
    else:
        coords, method = dict(views), "2-D"
    if not coords:
        raise ValueError("views holds no layer coordinates; run analyze(..., view='pca').")
    names = {}
    if isinstance(class_names, dict):
        names = {str(k): str(v) for k, v in class_names.items()}
    elif class_names is not None:
        names = {str(i): str(v) for i, v in enumerate(class_names)}
    layers = list(coords)
    ncols = min(4, len(layers))
    nrows = math.ceil(len(layers) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols + 1.6, 3.2 * nrows), layout="constrained",
                             squeeze=False)
    lab = None if labels is None else np.asarray(labels)
    classes = [] if lab is None else list(np.unique(lab))
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    for ax, layer in zip(axes.ravel(), layers):
        xy = np.asarray(coords[layer], dtype=float)
        keep = np.unique(np.linspace(0, len(xy) - 1, min(len(xy), max_points)).round().astype(int))
        if lab is None:
            ax.scatter(xy[keep, 0], xy[keep, 1], s=5, color="0.3", linewidths=0)
        else:
            for c_i, c in enumerate(classes):
                rows = keep[lab[keep] == c]
                ax.scatter(xy[rows, 0], xy[rows, 1], s=5, color=cmap(c_i % cmap.N), linewidths=0,
                           label=names.get(str(c), str(c)))
        ax.set_title(layer, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{method.upper()} 1", fontsize=8)
        ax.set_ylabel(f"{method.upper()} 2", fontsize=8)
    for ax in axes.ravel()[len(layers):]:
        ax.set_visible(False)
    if classes:
        handles, texts = axes.ravel()[0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="outside right upper", fontsize=9, frameon=False, markerscale=2.5,
                   title="class", title_fontsize=9)
    fig.suptitle(title or f"Each layer's samples on two {method.upper()} axes, coloured by class")
    return fig
