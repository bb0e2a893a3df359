"""Figures of single diagrams: persistence diagrams, barcodes, Betti curves across layers.

``plot_diagrams`` (persim's name) and ``Diagrams.plot`` / ``Diagrams.plot_barcode`` return
the matplotlib Axes; ``plot_diagram`` and ``plot_barcode`` return the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._diagram_samples import is_raw_diagram_list
from ..diagrams import Diagrams
from ..diagrams_convert import as_diagram_list, as_diagrams
from ..validation import check_int
from .draw import axes as _axes
from .draw import diagram_dims as _dims
from .draw import draw_barcode as _draw_barcode
from .draw import draw_diagram as _draw_diagram
from .draw import finite_max as _finite_max

__all__ = ["plot_barcode", "plot_betti_curves", "plot_diagram", "plot_diagrams"]

def _as_one(diagrams: Any, name: str = "diagrams") -> Diagrams:
    """One sample's diagrams from any familiar form, through :func:`tda_nn.diagrams_convert.as_diagram_list`.

    ``Diagrams``; ripser.py's result dict or its ``dgms`` list of ``(k, 2)`` arrays; gudhi's
    ``[(dim, (birth, death)), ...]``; giotto-tda's ``(k, 3)`` (or ``(1, k, 3)``) triples, whose
    zero-length padding carries nothing; a raw ``(k, 2)`` array (one diagram, shown as H0).
    """
    if is_raw_diagram_list(diagrams):  # one sample here: ripser.py's dgms, one (k, 2) array per dimension
        return as_diagrams(list(diagrams), name=name)
    samples = as_diagram_list(diagrams, name=name)
    if len(samples) != 1:
        raise ValueError(
            f"{name} must be one sample's diagrams, got {len(samples)} samples; plot them one at a time "
            f"({name}[i]), each on its own axes."
        )
    return samples[0]


def plot_diagram(dgms: Diagrams, *, dims: Sequence[int] | None = None, ax: Any = None, title: str | None = None):
    """Persistence diagram: birth against death per dimension; essential bars on a dashed ``inf`` line.

    Returns the matplotlib ``Figure`` (:func:`plot_diagrams` and :meth:`Diagrams.plot` return the Axes).
    """
    dgms = _as_one(dgms, "dgms")
    fig, ax = _axes(ax, (4.6, 4.4))
    _draw_diagram(ax, dgms, _dims(dgms, dims), title=title)
    return fig


def plot_diagrams(diagrams: Any, *, dims: Sequence[int] | None = None, plot_only: Sequence[int] | None = None,
                  ax: Any = None, title: str | None = None, legend: bool = True, size: float = 14):
    """Persistence diagrams of one sample, persim's ``plot_diagrams`` under its familiar name.

    Parameters
    ----------
    diagrams : Diagrams, dict, list or ndarray
        One sample's diagrams in any familiar form: a ``Diagrams``; ripser.py's result
        dict or its ``dgms`` list of ``(k_i, 2)`` arrays; gudhi's ``[(dim, (birth, death)), ...]``;
        a giotto-tda ``(k, 3)`` array of (birth, death, dim) (zero-length padding ignored);
        a raw ``(k, 2)`` array (drawn as H0).
    dims, plot_only : sequence of int or None, default=None
        The dimensions drawn (``plot_only`` is persim's name); ``None`` draws all.
    ax : matplotlib Axes or None
        Where to draw; ``None`` makes a new figure.
    title : str or None
    legend : bool, default=True
    size : float, default=14
        Marker area of finite points (essential points are twice as large).

    Returns
    -------
    matplotlib.axes.Axes
        Finite points are scattered at (birth, death); essential bars (``death = inf``)
        as triangles on a dashed line marked ``inf`` just above the finite range.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.plotting import plot_diagrams
    >>> ax = plot_diagrams([np.array([[0.0, np.inf], [0.0, 1.0]]), np.array([[0.5, 2.0]])])
    >>> ax.get_xlabel()
    'birth'
    """
    if dims is not None and plot_only is not None:
        raise TypeError("pass the dimensions as dims or as plot_only (persim's name), not both.")
    dgms = _as_one(diagrams)
    _, ax = _axes(ax, (4.6, 4.4))
    return _draw_diagram(ax, dgms, _dims(dgms, dims if plot_only is None else plot_only), title=title,
                         legend=legend, size=size)


def plot_barcode(dgms: Diagrams, *, dims: Sequence[int] | None = None, max_bars: int = 60, ax: Any = None,
                 title: str | None = None):
    """Barcode: the ``max_bars`` longest bars of each dimension as horizontal segments.

    Essential bars run to a dashed line marked ``inf`` just beyond the finite range and
    end in an arrow. ``dgms`` takes the forms :func:`plot_diagrams` takes. Returns the
    matplotlib ``Figure`` (:meth:`Diagrams.plot_barcode` returns the Axes).
    """
    dgms = _as_one(dgms, "dgms")
    fig, ax = _axes(ax, (6.0, 4.4))
    _draw_barcode(ax, dgms, _dims(dgms, dims), max_bars=check_int(max_bars, name="max_bars", min_value=1),
                  title=title)
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
