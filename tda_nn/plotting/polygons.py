"""Figures of exact planar partitions: convex polygons drawn as polygons, not rasters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_polygons"]


def plot_polygons(
    polygons: Sequence[Any],
    *,
    values: Any = None,
    extent: Sequence[float] | None = None,
    anchors: Any = None,
    cmap: str = "tab20",
    edgecolor: str = "k",
    linewidth: float = 0.3,
    seed: int = 0,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Draw polygons in the plane, one colour each (or coloured by ``values``).

    Parameters
    ----------
    polygons : sequence of array-like of shape (n_vertices, 2)
        Vertices of each polygon, e.g. ``[p.vertices for p in result.polygons]`` of an
        :class:`~tda_nn.nn.regions.exact.ExactPlaneRegions`.
    values : array-like of shape (n_polygons,), optional
        A number per polygon mapped through ``cmap`` (e.g. the predicted class, or a
        layer's count of active units); default: shuffled colours so that neighbours differ.
    extent : (x_min, x_max, y_min, y_max), optional
        Axis limits; default: the polygons' bounding box.
    anchors : array-like of shape (k, 2), optional
        Points to mark (e.g. the data points that defined the plane).
    cmap : str, default='tab20'
    edgecolor : str, default='k'
    linewidth : float, default=0.3
    seed : int, default=0
        Shuffles the default colours.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_polygons([[[0, 0], [1, 0], [0, 1]], [[1, 0], [1, 1], [0, 1]]])
    >>> len(ax.collections[0].get_paths())
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    verts = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in polygons]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 5.0), layout="constrained")
    cm = plt.get_cmap(cmap)
    if values is None:
        order = np.random.default_rng(seed).permutation(len(verts))
        colors = [cm(int(i) % cm.N) if hasattr(cm, "N") and cm.N < 256 else cm(float(i) / max(len(verts), 1))
                  for i in order]  # fmt: skip
        coll = PolyCollection(verts, facecolors=colors, edgecolors=edgecolor, linewidths=linewidth)
    else:
        vals = np.asarray(values, dtype=np.float64).ravel()
        if len(vals) != len(verts):
            raise ValueError(f"values must have one entry per polygon ({len(verts)}), got {len(vals)}.")
        coll = PolyCollection(verts, array=vals, cmap=cm, edgecolors=edgecolor, linewidths=linewidth)
    ax.add_collection(coll)
    if extent is None and verts:
        allv = np.concatenate(verts)
        lo, hi = allv.min(axis=0), allv.max(axis=0)
        extent = (lo[0], hi[0], lo[1], hi[1])
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    if anchors is not None:
        A = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
        ax.scatter(A[:, 0], A[:, 1], c="k", s=18, zorder=3)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("s")
    ax.set_ylabel("t")
    if title is not None:
        ax.set_title(title)
    return ax
