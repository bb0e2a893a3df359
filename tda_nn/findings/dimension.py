"""The rule on the intrinsic-dimension column: where the TwoNN estimate is missing or impossible, say so.

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

import math

from . import _table as T
from ._finding import Finding, g3, listed

__all__ = ["dimension_findings"]


def dimension_findings(table: T.TableLike) -> list[Finding]:
    """Rule ``intrinsic_dim_unreliable``: layers whose TwoNN dimension is missing or above their number of features.

    :func:`tda_nn.diagnostics.twonn` gives no estimate (NaN in the table) for fewer
    than 3 distinct points, tied neighbour distances (a lattice, quantised or
    collapsed activations) or an estimate impossible in the layer's space; a table
    from elsewhere may hold a number above ``n_features``, which no sample of that
    space has. One finding lists the missing ones, one per impossible value; layers
    without the column are not mentioned.

    Parameters
    ----------
    table : Table, or dict of layer -> dict of column -> number

    Returns
    -------
    list of Finding
    """
    table = T.rows(table)
    missing = [lay for lay, row in table.items()
               if row.intrinsic_dim is not None and not math.isfinite(float(row.intrinsic_dim))]
    out: list[Finding] = []
    if missing:
        out.append(Finding(
            text=(f"No intrinsic dimension for {listed(missing)}: TwoNN gives none there (fewer than 3 distinct "
                  "points, or neighbour distances mostly tied, as on a lattice or with quantised or collapsed "
                  "activations); the table leaves it blank."),
            layer=missing[0] if len(missing) == 1 else None, quantity="intrinsic_dim", value=None,
            uncertainty=None, rule="intrinsic_dim_unreliable"))
    for lay, row in table.items():
        d, m = row.intrinsic_dim, row.n_features
        if d is not None and m and math.isfinite(float(d)) and float(d) > m:
            out.append(Finding(
                text=(f"{lay}: the TwoNN number {g3(float(d))} exceeds the layer's {m} feature"
                      f"{'s' if m != 1 else ''}, which no sample of that space allows: it is not an estimate of "
                      "the intrinsic dimension (near-tied neighbour distances or too few points)."),
                layer=lay, quantity="intrinsic_dim", value=float(d), uncertainty=float(m),
                rule="intrinsic_dim_unreliable"))
    return out
