"""How the rules read a per-layer table: typed rows (:class:`~tda_nn.results.LayerRow`), never column names.

Room: results floor (``findings``). Imports ``results``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..results import LayerRow, Table

__all__: list[str] = []  # private: the rules read the table through these accessors

TableLike = Mapping[str, Any]


def rows(table: TableLike) -> dict[str, LayerRow]:
    """``{key: LayerRow}`` of a :class:`Table`, or of plain ``{layer: {column: number}}`` dicts."""
    if isinstance(table, Table):
        return dict(table.legacy())
    return {str(k): LayerRow.from_columns(str(k), v) for k, v in table.items()}


def dims(table: Mapping[str, LayerRow]) -> list[int]:
    """The homology dimensions with a significant count in some row."""
    return sorted({k for row in table.values() for k in row.n_significant})


def count(row: LayerRow, k: int) -> int:
    return int(row.n_significant.get(k, 0))


def threshold(row: LayerRow, k: int) -> float:
    return float(row.threshold.get(k, float("nan")))


def longest(row: LayerRow, k: int) -> float:
    return float(row.longest.get(k, 0.0) or 0.0)


def bound(row: LayerRow) -> float:
    return float(row.landmark_bound or 0.0)


def n_points(row: LayerRow) -> int:
    return int(row.n_points or 0)


def has_bar(row: LayerRow, k: int) -> bool:
    """Whether the row's diagram has a finite bar of dimension ``k`` of positive lifetime.

    Read from ``longest[k]`` (0: none), else from ``n_tests[k]`` (0 tested: none); a row
    with neither column is not said to have none (``True``).
    """
    if row.longest.get(k) is not None:
        return longest(row, k) > 0
    if k in row.n_tests:
        return int(row.n_tests[k]) > 0
    return True


def swamped(row: LayerRow, k: int) -> bool:
    """The row has bars of dimension ``k``, none significant, and every one lies within twice the landmark bound.

    A row with no bar of dimension ``k`` at all is not swamped: there is no bar the
    approximation could have shortened.
    """
    b = bound(row)
    return b > 0 and 0 < longest(row, k) <= 2.0 * b and count(row, k) == 0
