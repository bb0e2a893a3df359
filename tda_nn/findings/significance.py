"""Rules on the significance columns of the per-layer table: significant bars, clusters, swamped dimensions.

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import _table as T
from ._finding import DIM_NAMES, Finding, bar_word, g3, listed

__all__ = ["significance_findings"]


def significance_findings(
    table: T.TableLike,
    lifetimes: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    *,
    alpha: float = 0.05,
) -> list[Finding]:
    """Significant features per layer, and the dimensions the landmark approximation swamps.

    Rules:

    * ``significant_bars`` -- a layer with significant bars of dimension ``k >= 1``:
      their count, their lifetimes (from ``lifetimes``, longest first) and the
      threshold they exceed. One finding lists the layers with none.
    * ``clusters`` -- a layer with more than one significant component (H0).
    * ``landmark_swamps`` -- a layer and dimension ``k >= 1`` whose every finite bar
      is at most twice the landmark bound ``2r``: the count 0 says nothing; the
      finding names the bound and what to change.

    Parameters
    ----------
    table : Table, or dict of layer -> dict of column -> number
        Per layer: significant counts, thresholds and longest bars per dimension, the
        landmark bound and the points used (a report's ``table``).
    lifetimes : dict of layer -> dict of int -> sequence of float, optional
        The significant finite lifetimes per dimension, in median-distance units.
    alpha : float, default=0.05
        The level the thresholds were drawn at (quoted in the text).

    Returns
    -------
    list of Finding
    """
    table = T.rows(table)
    out: list[Finding] = []
    dims = T.dims(table)
    for k in (d for d in dims if d >= 1):
        quiet, swamped = [], []  # type: list[str], list[str]
        for layer, row in table.items():
            n = T.count(row, k)
            thr = T.threshold(row, k)
            if T.swamped(row, k):
                swamped.append(layer)
            elif n > 0:
                life = sorted((float(v) for v in (lifetimes or {}).get(layer, {}).get(k, ())), reverse=True)
                shown = ", ".join(g3(v) for v in life[:5]) + (", ..." if len(life) > 5 else "")
                what = f" with lifetimes {shown}" if life else ""
                out.append(Finding(
                    text=(f"{layer}: {n} significant {bar_word(k, n)} (H{k}){what} (x median distance), above "
                          f"the threshold {g3(thr)} at alpha = {alpha:g}."),
                    layer=layer, quantity=f"n_significant_H{k}", value=float(n), uncertainty=thr,
                    rule="significant_bars"))
            else:
                quiet.append(layer)
        if swamped:
            out.append(swamp_finding(table, swamped, k))
        if quiet:
            out.append(Finding(
                text=(f"No significant H{k} bar in {listed(quiet)}: every {DIM_NAMES.get(k, f'H{k}')[:-1]} there is "
                      f"shorter than the layer's threshold (alpha = {alpha:g})."),
                layer=quiet[0] if len(quiet) == 1 else None, quantity=f"n_significant_H{k}", value=0.0,
                uncertainty=None, rule="significant_bars"))
    if 0 in dims:
        for layer, row in table.items():
            n = T.count(row, 0)
            if n > 1:
                thr = T.threshold(row, 0)
                out.append(Finding(
                    text=(f"{layer}: {n} significant components (H0): the points form {n} groups separated by gaps "
                          f"longer than the threshold {g3(thr)} (x median distance)."),
                    layer=layer, quantity="n_significant_H0", value=float(n), uncertainty=thr, rule="clusters"))
    return out


def swamp_finding(table: dict, layers: list[str], k: int) -> Finding:
    """Rule ``landmark_swamps``: the layers whose every H``k`` bar lies within twice the landmark bound."""
    bounds = [T.bound(table[lay]) for lay in layers]
    longest = [T.longest(table[lay], k) for lay in layers]
    each = "; ".join(f"{lay}: 2r = {g3(b)}, longest bar {g3(m)}" for lay, b, m in zip(layers, bounds, longest))
    pts = max(T.n_points(table[lay]) for lay in layers)
    name = DIM_NAMES.get(k, f"H{k} features")
    where = f"{layers[0]}" if len(layers) == 1 else f"{len(layers)} layers"
    return Finding(
        text=(f"The landmark approximation swamps H{k} in {where}: the landmark bound 2r exceeds every H{k} bar "
              f"({each}; x median distance), and a bar must exceed 2 x 2r to count, so the count 0 says nothing "
              f"about {name} there. Use more landmarks (max_points above {pts}), fewer samples (max_samples), "
              "or a filtration threshold on the full cloud."),
        layer=layers[0] if len(layers) == 1 else None, quantity=f"longest_H{k}", value=max(longest),
        uncertainty=min(bounds), rule="landmark_swamps")
