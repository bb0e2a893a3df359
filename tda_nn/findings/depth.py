"""The rule on significant counts across depth: is topology simplified from input to output?

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

from . import _table as T
from ._finding import Finding, listed
from .significance import report_fdr

__all__ = ["depth_findings"]


def depth_findings(table: T.TableLike, *, alpha: float = 0.05) -> list[Finding]:
    """Where topology is simplified across depth, and where it is not (Naitzat, Zhitnikov, Lim 2020).

    Rule ``simplification``, per dimension ``k >= 1``, on the significant counts of
    the layers in table order (layers whose dimension the landmark bound swamps are
    left out and named): the count falls from the first to the last layer without
    rising (simplified), rises somewhere (one finding per rise), or stays the same.
    With p-values in the table, a count whose test does not stand the report-wide
    Benjamini-Hochberg control at ``alpha`` (:func:`~tda_nn.findings.significance.report_fdr`)
    is not shown, so it is read as 0 here and the sequence says so.

    Parameters
    ----------
    table : Table, or dict of layer -> dict of column -> number
        In model order.
    alpha : float, default=0.05
        The level of the report-wide false discovery control.

    Returns
    -------
    list of Finding
    """
    table = T.rows(table)
    q = report_fdr(table) if any(row.p for row in table.values()) else {}
    out: list[Finding] = []
    for k in (d for d in T.dims(table) if d >= 1):
        layers = [lay for lay, row in table.items() if not T.swamped(row, k)]
        left_out = [lay for lay in table if lay not in layers]
        note = f" ({listed(left_out)} left out: the landmark bound swamps H{k} there)" if left_out else ""
        if len(layers) < 2:
            if len(table) >= 2:
                out.append(Finding(
                    text=(f"Whether H{k} is simplified across depth cannot be read: the landmark bound swamps it in "
                          f"{listed(left_out)}."),
                    layer=None, quantity=f"n_significant_H{k}", value=None, uncertainty=None, rule="simplification"))
            continue
        given = [T.count(table[lay], k) for lay in layers]
        weak = [c > 0 and q.get((lay, k), 0.0) > alpha for lay, c in zip(layers, given)]
        counts = [0 if w else c for c, w in zip(given, weak)]  # not shown across the report: read as 0
        rises = [(layers[i], layers[i + 1], counts[i], counts[i + 1]) for i in range(len(counts) - 1)
                 if counts[i + 1] > counts[i]]
        seq = ", ".join(f"{lay} {c}" if not w else
                        f"{lay} 0 ({c} that does not stand the report-wide false discovery control, "
                        f"q = {q[(lay, k)]:.3g} > {alpha:g})"
                        for lay, c, w in zip(layers, given, weak))
        if rises:
            for a, b, ca, cb in rises:
                out.append(Finding(
                    text=(f"Not simplified between {a} and {b}: significant beta_{k} rises from {ca} to {cb} "
                          f"(sequence: {seq}){note}."),
                    layer=b, quantity=f"n_significant_H{k}", value=float(cb - ca), uncertainty=None,
                    rule="simplification"))
        elif counts[-1] < counts[0]:
            out.append(Finding(
                text=(f"Topology is simplified across depth: significant beta_{k} falls from {counts[0]} ({layers[0]}) "
                      f"to {counts[-1]} ({layers[-1]}) and never rises (sequence: {seq}){note}, as Naitzat et al. "
                      "(2020) found for well-trained classifiers."),
                layer=None, quantity=f"n_significant_H{k}", value=float(counts[-1] - counts[0]), uncertainty=None,
                rule="simplification"))
        else:
            out.append(Finding(
                text=f"Significant beta_{k} is {counts[0]} at every layer ({seq}){note}: no change across depth.",
                layer=None, quantity=f"n_significant_H{k}", value=0.0, uncertainty=None, rule="simplification"))
    return out
