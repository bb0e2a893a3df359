"""Vietoris-Rips through giotto-ph (multi-threaded, optional edge collapse); the ``fast`` extra."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import pad

__all__ = ["rips_giotto"]


def rips_giotto(
    X: Any, *, maxdim: int, threshold: float, coeff: int, precomputed: bool, metric: str,
    collapse_edges: bool, n_threads: int,
) -> list[np.ndarray]:
    from .._optional import import_optional

    gph = import_optional("gph")
    res = gph.ripser_parallel(X, maxdim=maxdim, thresh=threshold, coeff=coeff,
                              metric="precomputed" if precomputed else metric,
                              collapse_edges=collapse_edges, n_threads=n_threads)
    return pad(res["dgms"], maxdim)
