"""Vietoris-Rips through ripser.py (single-threaded, the reference engine)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import pad

__all__ = ["rips_ripser"]


def rips_ripser(X: Any, *, maxdim: int, threshold: float, coeff: int, precomputed: bool, metric: str) -> list[np.ndarray]:
    from ripser import ripser

    res = ripser(X, maxdim=maxdim, thresh=threshold, coeff=coeff, distance_matrix=precomputed,
                 metric="euclidean" if precomputed else metric)
    return pad(res["dgms"], maxdim)
