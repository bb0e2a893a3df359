"""Multiple-testing corrections: adjusted p-values and the cut-off they imply.

* Bonferroni: ``min(1, m p)``; controls the family-wise error.
* Holm (1979): step-down, ``max_{j <= i} min(1, (m - j + 1) p_(j))``; controls the
  family-wise error, never less powerful than Bonferroni.
* Benjamini and Hochberg (1995): step-up, ``min_{j >= i} min(1, m p_(j) / j)``;
  controls the false discovery rate for independent or positively dependent tests.

``adjust(p, method)`` returns the adjusted p-values (reject where ``<= alpha``);
``cutoff(p, method, alpha)`` the raw p-value at or below which a test is
rejected, which is what a threshold on the test's statistic is drawn from.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["CORRECTIONS", "adjust", "cutoff"]

Correction = Literal["bonferroni", "holm", "bh"]
CORRECTIONS = ("bonferroni", "holm", "bh")


def adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values of ``p`` (same order) under ``method``; NaN-free input."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    ranks = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - ranks + 1) * ps))
    elif method == "bh":
        adj = np.minimum.accumulate((m * ps / ranks)[::-1])[::-1]
        adj = np.minimum(1.0, adj)
    else:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {method!r}.")
    out = np.empty(m)
    out[order] = adj
    return out


def cutoff(p: np.ndarray, method: str, alpha: float) -> float:
    """The raw p-value cut-off: ``adjust(p, method) <= alpha`` exactly where ``p <= cutoff``.

    Bonferroni: ``alpha / m``; Holm with ``k`` rejections: ``alpha / (m - k)``;
    BH with ``k`` rejections: ``k alpha / m`` (``alpha / m`` when ``k = 0``).
    With no tests the cut-off is ``alpha``.
    """
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return float(alpha)
    k = int(np.sum(adjust(p, method) <= alpha))
    if method == "bonferroni":
        return alpha / m
    if method == "holm":
        return alpha / (m - k) if k < m else alpha
    return max(k, 1) * alpha / m
