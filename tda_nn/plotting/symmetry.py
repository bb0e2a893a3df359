"""Figures of symmetry measures: invariance/equivariance/Lie-derivative profiles, orbit fractions.

numpy and matplotlib only (imported inside each function); the results are read by
their attributes, so this module never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_orbit_fractions", "plot_symmetry_profile", "plot_symmetry_summary"]


def _short(names: Sequence[str], n: int = 14) -> list[str]:
    return [s if len(s) <= n else "..." + s[-(n - 3) :] for s in names]


def _axes(ax: Any, size: tuple[float, float] = (6.0, 3.5)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def plot_symmetry_profile(result: Any, *, ax: Any = None, label: str | None = None, title: str | None = None) -> Any:
    """Error per layer with its bootstrap interval, for a ``SymmetryProfile`` or ``LieDerivative``.

    Parameters
    ----------
    result : SymmetryProfile or LieDerivative
        Read through ``.layers``, ``.interval`` and ``.error`` (or ``.relative``).
    ax : matplotlib Axes, optional
    label, title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    err = np.asarray(getattr(result, "error", getattr(result, "relative", None)), dtype=float)
    iv = np.asarray(result.interval, dtype=float).reshape(-1, 2)
    x = np.arange(len(err))
    kind = getattr(result, "kind", "Lie derivative")
    ax.plot(x, err, marker="o", label=label or f"{kind}: {result.action}")
    if np.isfinite(iv).all():
        ax.fill_between(x, iv[:, 0], iv[:, 1], alpha=0.25)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(x)
    ax.set_xticklabels(_short(result.layers), rotation=45, ha="right")
    ax.set_ylabel("relative change" if kind != "Lie derivative" else "|Lie derivative| (relative)")
    ax.set_title(title or f"{kind} per layer")
    ax.legend(fontsize="small")
    return ax


def plot_orbit_fractions(result: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """Fractions of orbits kept, shrunk, collapsed and torn across depth (stacked), for an ``OrbitTopology``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    x = np.arange(len(result.layers))
    bottom = np.zeros(len(x))
    colours = {"kept": "tab:blue", "shrunk": "tab:cyan", "collapsed": "tab:green", "torn": "tab:red"}
    for state, colour in colours.items():
        vals = np.array([result.fractions[k].get(state, 0.0) for k in result.layers])
        ax.bar(x, vals, bottom=bottom, color=colour, label=state)
        bottom += vals
    ax.set_xticks(x)
    ax.set_xticklabels(_short(result.layers), rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of orbits")
    ax.set_title(title or f"orbits under {result.action}")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_symmetry_summary(summary: Any) -> Any:
    """One row per action: invariance and equivariance profiles, and orbit fractions where computed.

    Parameters
    ----------
    summary : SymmetrySummary

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    names = list(summary.invariance)
    fig, axes = plt.subplots(len(names), 2, figsize=(11, 3.4 * len(names)), squeeze=False)
    for row, name in zip(axes, names):
        plot_symmetry_profile(summary.invariance[name], ax=row[0], label="invariance", title=name)
        if name in summary.equivariance:
            plot_symmetry_profile(summary.equivariance[name], ax=row[0], label="equivariance", title=name)
        if name in summary.orbits:
            plot_orbit_fractions(summary.orbits[name], ax=row[1], title=f"orbits: {name}")
        else:
            row[1].set_axis_off()
    fig.tight_layout()
    return fig
