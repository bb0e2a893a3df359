"""How the rules read a per-layer table: one accessor per quantity, so no rule spells a column name.

Room: results floor (``findings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__: list[str] = []  # private: the rules read the table through these accessors

Table = Mapping[str, Mapping[str, Any]]


def dims(table: Table) -> list[int]:
    """The homology dimensions with a significant count in some row."""
    found = {int(c[len("n_significant_H"):]) for row in table.values() for c in row if c.startswith("n_significant_H")}
    return sorted(found)


def count(row: Mapping[str, Any], k: int) -> int:
    return int(row.get(f"n_significant_H{k}", 0))


def threshold(row: Mapping[str, Any], k: int) -> float:
    return float(row.get(f"threshold_H{k}", float("nan")))


def longest(row: Mapping[str, Any], k: int) -> float:
    return float(row.get(f"longest_H{k}", 0.0) or 0.0)


def bound(row: Mapping[str, Any]) -> float:
    return float(row.get("landmark_bound", 0.0) or 0.0)


def n_points(row: Mapping[str, Any]) -> int:
    return int(row.get("n_points", 0))


def swamped(row: Mapping[str, Any], k: int) -> bool:
    """Every finite bar of dimension ``k`` lies within twice the landmark bound (so none can count)."""
    b = bound(row)
    return b > 0 and 2.0 * b >= longest(row, k) and count(row, k) == 0
