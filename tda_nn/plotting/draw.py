"""Drawing primitives: matplotlib on one sample's diagrams, held as a sequence of ``(k, 2)`` arrays.

Room: the drawing floor of ``plotting`` (beside the helpers): numpy only, matplotlib
inside the functions, and nothing else of the package. A diagram here is anything
indexable by dimension giving ``(k, 2)`` arrays, with ``len`` and an optional ``meta``
mapping -- a :class:`~tda_nn.Diagrams` is one -- so that ``Diagrams.plot`` draws itself
without importing a room above its floor, and :mod:`tda_nn.plotting.diagrams` (which
accepts every familiar diagram format) draws with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["COLORS", "axes", "diagram_dims", "draw_barcode", "draw_diagram", "extent", "finite_max"]

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def axes(ax: Any, figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def finite_max(dgms: Any) -> float:
    vals = [a[np.isfinite(a)] for a in dgms if len(a)]
    top = max((float(v.max()) for v in vals if v.size), default=1.0)
    return top if top > 0 else 1.0


def extent(dgms: Any, dims: Sequence[int]) -> tuple[float, float, float]:
    """``(lo, top, inf_at)``: the finite range of the bars shown and where ``inf`` deaths are drawn."""
    vals = np.concatenate([dgms[d][np.isfinite(dgms[d])] for d in dims] + [np.empty(0)])
    lo = min(0.0, float(vals.min())) if vals.size else 0.0
    top = float(vals.max()) if vals.size else 1.0
    if top <= lo:
        top = lo + 1.0
    return lo, top, top + 0.1 * (top - lo)


def draw_diagram(ax: Any, dgms: Any, dims: Sequence[int], *, title: str | None, legend: bool = True,
                  size: float = 14, reach: float | None = None, note: str = "") -> Any:
    """Draw ``dgms`` on ``ax``; ``reach``: a finite value the frame must hold as well (drawn by the caller);
    ``note``: appended to each dimension's legend label."""
    lo, top, inf_y = extent(dgms, dims)
    if reach is not None and np.isfinite(reach) and reach > top:
        top = float(reach)
        inf_y = top + 0.1 * (top - lo)
    pad = 0.03 * (top - lo)
    for d in dims:
        a = dgms[d]
        fin = np.isfinite(a[:, 1])
        c = COLORS[d % len(COLORS)]
        ax.scatter(a[fin, 0], a[fin, 1], s=size, alpha=0.75, color=c, label=f"H{d} ({len(a)}){note}",
                   edgecolors="none")
        if (~fin).any():
            ax.scatter(a[~fin, 0], np.full((~fin).sum(), inf_y), s=2 * size, marker="^", color=c, edgecolors="none")
    ax.plot([lo, inf_y], [lo, inf_y], color="0.5", lw=0.8)
    ax.axhline(inf_y, color="0.5", lw=0.8, ls="--")
    ax.text(lo + pad, inf_y, "inf", va="bottom", fontsize=8, color="0.4")
    ax.set_xlim(lo - pad, inf_y + pad)
    ax.set_ylim(lo - pad, inf_y + 2 * pad)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_title(title or _title(dgms, "persistence diagram"))
    if legend:
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax


def diagram_dims(dgms: Any, dims: Sequence[int] | None) -> list[int]:
    if dims is None:
        return list(range(len(dgms)))
    dims = [int(d) for d in dims]
    for d in dims:
        dgms[d]  # an IndexError that names the dimensions held
    return dims


def draw_barcode(ax: Any, dgms: Any, dims: Sequence[int], *, max_bars: int, title: str | None) -> Any:
    lo, _, top = extent(dgms, dims)
    y = 0
    ticks, labels = [], []
    for d in dims:
        a = dgms[d]
        life = np.where(np.isfinite(a[:, 1]), a[:, 1], top) - a[:, 0]
        order = np.argsort(-life, kind="stable")[:max_bars]
        start = y
        for b, e in a[order]:
            ax.plot([b, top if not np.isfinite(e) else e], [y, y], color=COLORS[d % len(COLORS)], lw=1.6,
                    solid_capstyle="butt")
            if not np.isfinite(e):
                ax.plot([top], [y], marker=">", color=COLORS[d % len(COLORS)], ms=4)
            y += 1
        if y > start:
            ticks.append((start + y - 1) / 2)
            shown = f" (top {max_bars} of {len(a)})" if len(a) > max_bars else ""
            labels.append(f"H{d}{shown}")
        y += 2
    ax.axvline(top, color="0.5", lw=0.8, ls="--")
    ax.text(top, -0.6, " inf", ha="left", va="bottom", fontsize=8, color="0.4")
    ax.set_xlim(lo - 0.03 * (top - lo), top + 0.08 * (top - lo))
    ax.set_yticks(ticks, labels)
    ax.invert_yaxis()
    ax.set_xlabel("filtration value (scale)")
    ax.set_title(title or _title(dgms, "barcode"))
    return ax


def _title(dgms: Any, what: str) -> str:
    layer = getattr(dgms, "meta", {}).get("layer")
    return f"{what}: {layer}" if layer else what
