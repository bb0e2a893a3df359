"""Static figure of Mapper graphs: one graph, or the graphs of consecutive layers side by side with their links.

Room: mapper (numeric core). matplotlib is imported inside :func:`plot_mapper`; the report's Mapper
section, which composes this figure with the report's numbers, lives in :mod:`tda_nn.plotting.mapper`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_mapper"]


def _from_page(page: dict) -> tuple[list, list, list, list, Any]:
    """Names, graphs, link tables, node positions and labels from a Mapper page's data."""
    from .graph import MapperGraph

    n = int(page["n_samples"])
    names, graphs, positions = [], [], []
    for L in page["layers"]:
        names.append(str(L["name"]))
        graphs.append(MapperGraph.from_members([nd["members"] for nd in L["nodes"]], n,
                                               cubes=[nd.get("cube", ()) for nd in L["nodes"]]))
        positions.append(np.array([[nd.get("x", 0.5), nd.get("y", 0.5)] for nd in L["nodes"]], dtype=float).reshape(-1, 2))
    links = []
    for k, triples in enumerate(page.get("links") or []):
        M = np.zeros((graphs[k].n_nodes, graphs[k + 1].n_nodes), dtype=np.int64)
        for a, b, c in triples:
            M[int(a), int(b)] = int(c)
        links.append(M)
    labels = page.get("labels")
    return names, graphs, links, positions, None if labels is None else np.asarray(labels)


def _node_values(g: Any, values: np.ndarray, categorical: bool) -> list:
    out = []
    for m in g.members:
        if categorical:
            vals, counts = np.unique(values[m], return_counts=True)
            out.append(vals[counts.argmax()])
        else:
            out.append(float(np.mean(values[m])))
    return out


def plot_mapper(
    flow: Any,
    *,
    color: Any = None,
    labels: Any = None,
    links: bool = True,
    max_links: int = 400,
    title: str | None = None,
    ax: Any = None,
):
    """Draw a ``MapperGraph`` or ``MapperLayers``: nodes sized by membership, coloured by label or values.

    Parameters
    ----------
    flow : MapperGraph, MapperLayers, or a Mapper page's data (a report's ``mapper``)
    color : array-like of shape (n_samples,), optional
        Per-sample values; a node shows their mean (a colour bar is added).
    labels : array-like of shape (n_samples,), optional
        Class per sample (default ``flow.labels``); nodes show their majority class when
        ``color`` is not given.
    links : bool, default=True
        Draw the links between nodes of consecutive layers (the ``max_links`` largest, shaded by
        shared count).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from .graph import MapperGraph
    from .layout import layout

    given_pos = None
    if isinstance(flow, MapperGraph):
        names, graphs, link_mats = ["graph"], [flow], []
    elif hasattr(flow, "graphs"):
        names, graphs, link_mats = list(flow.layers), list(flow.graphs), list(flow.links)
        if labels is None:
            labels = flow.labels
    elif hasattr(flow, "page") or (isinstance(flow, dict) and "layers" in flow and "n_samples" in flow):
        names, graphs, link_mats, given_pos, page_labels = _from_page(flow.page if hasattr(flow, "page") else flow)
        if labels is None:
            labels = page_labels
    else:
        raise TypeError(f"flow must be a MapperGraph, a MapperLayers or a Mapper page's data, got {type(flow).__name__}.")
    n = graphs[0].n_samples
    values, categorical = None, False
    if color is not None:
        values = np.asarray(color, dtype=np.float64)
    elif labels is not None:
        values, categorical = np.asarray(labels), True
    if values is not None and values.shape != (n,):
        raise ValueError(f"color/labels must have shape ({n},), one per sample, got shape {values.shape}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(4.0, 3.6 * len(graphs)), 4.2), layout="constrained")
    else:
        fig = ax.figure
    gap = 0.35
    positions = []
    for k, g in enumerate(graphs):
        pos = layout(g) if given_pos is None else given_pos[k].copy()
        pos[:, 0] += k * (1 + gap)
        positions.append(pos)
    if links:
        for k, L in enumerate(link_mats):
            a, b = np.nonzero(L)
            if a.size == 0:
                continue
            c = L[a, b].astype(float)
            top = np.argsort(-c)[:max_links]
            segs = np.stack([positions[k][a[top]], positions[k + 1][b[top]]], axis=1)
            shade = 0.05 + 0.45 * c[top] / c.max()
            ax.add_collection(LineCollection(segs, colors=[(0.45, 0.45, 0.8, s) for s in shade], linewidths=0.8, zorder=1))
    cmap = plt.get_cmap("tab10" if categorical else "viridis")
    classes = np.unique(values) if categorical else None
    all_vals = []
    biggest = max((g.sizes.max() if g.n_nodes else 1) for g in graphs)
    scatter = None
    for k, (name, g, pos) in enumerate(zip(names, graphs, positions)):
        if g.n_edges:
            ax.add_collection(LineCollection(pos[g.edges], colors="0.55", linewidths=0.8, zorder=2))
        sizes = 15 + 250 * g.sizes / biggest
        if values is None:
            c = "#4c72b0"
        elif categorical:
            maj = _node_values(g, values, True)
            c = [cmap(int(np.searchsorted(classes, v)) % 10) for v in maj]
        else:
            c = _node_values(g, values, False)
            all_vals.extend(c)
        sc = ax.scatter(pos[:, 0], pos[:, 1], s=sizes, c=c, cmap=None if categorical or values is None else cmap,
                        edgecolors="0.2", linewidths=0.5, zorder=3)
        if values is not None and not categorical:
            scatter = sc
        ax.text(k * (1 + gap) + 0.5, 1.08, f"{name}\n{g.n_nodes} nodes, {g.n_components} comp., {g.n_loops} loops ({g.nerve_loops} nerve)",
                ha="center", va="bottom", fontsize=8)
    if scatter is not None and all_vals:
        lo, hi = float(np.min(all_vals)), float(np.max(all_vals))
        for coll in ax.collections:
            if hasattr(coll, "set_clim") and coll.get_array() is not None:
                coll.set_clim(lo, hi)
        fig.colorbar(scatter, ax=ax, shrink=0.7, label="mean value")
    if categorical and classes is not None and classes.size <= 20:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", ls="", color=cmap(i % 10), label=str(c)) for i, c in enumerate(classes)]
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xlim(-0.1, len(graphs) * (1 + gap) - gap + 0.1)
    ax.set_ylim(-0.1, 1.3)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig
