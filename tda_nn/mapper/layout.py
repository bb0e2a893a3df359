"""Node positions for drawing a Mapper graph (the page and the static figure share them).

Start from each node's mean lens value (so the picture keeps the lens's axes: a height lens
draws a circle upright), then relax with a few Fruchterman-Reingold steps so that nodes of one
cover element do not sit on top of each other. numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["layout"]


def layout(graph: Any, *, iterations: int = 60, seed: int = 0) -> np.ndarray:
    """Positions in the unit square, shape (n_nodes, 2).

    Examples
    --------
    >>> from tda_nn.mapper import MapperGraph
    >>> g = MapperGraph.from_members([[0, 1], [1, 2], [2, 3]], 4)
    >>> layout(g).shape
    (3, 2)
    """
    V = graph.n_nodes
    rng = np.random.default_rng(seed)
    if V == 0:
        return np.zeros((0, 2))
    if graph.lens is not None:
        Z = graph.lens
        init = np.stack([Z[m].mean(axis=0) for m in graph.members])
    else:
        init = np.zeros((V, 0))
    if init.shape[1] >= 2:
        pos = init[:, :2].copy()
    elif init.shape[1] == 1:
        # a 1-D lens: it goes up the page, nodes of one interval side by side
        pos = np.c_[rng.uniform(-1, 1, V), init[:, 0]]
    else:
        pos = rng.uniform(-1, 1, (V, 2))
    span = pos.max(axis=0) - pos.min(axis=0)
    span[span == 0] = 1.0
    pos = (pos - pos.min(axis=0)) / span
    if 1 < V <= 3000 and iterations > 0:
        k = 1.0 / np.sqrt(V)
        E = graph.edges
        temp = 0.1
        for _ in range(iterations):
            d = pos[:, None, :] - pos[None, :, :]
            dist = np.sqrt((d**2).sum(-1)) + 1e-9
            disp = (d * (k * k / dist**2)[..., None]).sum(axis=1)
            if len(E):
                de = pos[E[:, 0]] - pos[E[:, 1]]
                le = np.sqrt((de**2).sum(-1)) + 1e-9
                f = de * (le / k)[:, None]
                np.add.at(disp, E[:, 0], -f)
                np.add.at(disp, E[:, 1], f)
            # a pull back to the lens position keeps the lens's axes readable
            disp += (_norm(init, pos) - pos) * 0.5
            length = np.sqrt((disp**2).sum(-1)) + 1e-9
            pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
            temp *= 0.95
        span = pos.max(axis=0) - pos.min(axis=0)
        span[span == 0] = 1.0
        pos = (pos - pos.min(axis=0)) / span
    return pos


def _norm(init: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The lens positions scaled like ``pos`` (the random axis of a 1-D lens follows ``pos``)."""
    if init.shape[1] == 0:
        return pos
    a = init[:, :2] if init.shape[1] >= 2 else np.c_[pos[:, 0], init[:, 0]]
    span = a.max(axis=0) - a.min(axis=0)
    span[span == 0] = 1.0
    return (a - a.min(axis=0)) / span
