"""Helpers shared by the engine adapters."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["pad"]


def pad(dgms: list[Any], maxdim: int) -> list[np.ndarray]:
    """Diagrams H0..H_maxdim as float64 (k, 2) arrays, empty ones added where an engine omits them."""
    out = [np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in dgms[: maxdim + 1]]
    out += [np.empty((0, 2)) for _ in range(maxdim + 1 - len(out))]
    return out
