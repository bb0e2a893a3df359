"""Shared helpers of the region modules: which modules are ReLU-type, pattern ids."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...validation import check_int

__all__ = ['RELU_TYPES', 'has_relu', 'region_bound']


RELU_TYPES = ("ReLU", "LeakyReLU", "PReLU", "RReLU")
# nonlinear modules whose breakpoints are not recorded: warn that regions are of the ReLU patterns only
_OTHER_NONLINEAR = (
    "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "SELU", "CELU", "Softplus", "Mish", "Hardswish", "Hardsigmoid",
    "Hardtanh", "ReLU6", "Softsign", "Tanhshrink", "LogSigmoid", "Hardshrink", "Softshrink", "Threshold",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "LayerNorm", "GroupNorm", "MultiheadAttention",
)  # fmt: skip


# -- results -------------------------------------------------------------------------------------
def _row_ids(B: np.ndarray) -> tuple[np.ndarray, int]:
    """Ids ``0..k-1`` of the distinct rows of a uint8 matrix, and ``k``."""
    n, w = B.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    if w == 0:
        return np.zeros(n, dtype=np.int64), 1
    rows = np.ascontiguousarray(B).view(np.dtype((np.void, w))).ravel()
    _, inv = np.unique(rows, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    return inv, int(inv.max()) + 1


def _combine(a: np.ndarray, b: np.ndarray, nb: int) -> tuple[np.ndarray, int]:
    """Ids of the distinct pairs ``(a[i], b[i])``."""
    _, inv = np.unique(a * nb + b, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    return inv, (int(inv.max()) + 1 if inv.size else 0)


def _cumulative_ids(bits: Sequence[np.ndarray]) -> list[tuple[np.ndarray, int]]:
    """Per layer ``l``: ids of the distinct patterns of layers ``0..l`` and their number."""
    out: list[tuple[np.ndarray, int]] = []
    for layer, B in enumerate(bits):
        ids, k = _row_ids(B)
        if layer:
            ids, k = _combine(out[-1][0], ids, k)
        out.append((ids, k))
    return out


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a




def region_bound(n_units: Sequence[int], dim: int) -> int:
    """Product bound on the number of linear regions of a ReLU network on a ``dim``-dimensional input.

    ``prod_l sum_{j=0}^{min(dim, n_l)} C(n_l, j)``: every region of the first ``l - 1``
    layers is a convex set of dimension at most ``dim`` on which layer ``l``'s ``n_l``
    pre-activations are affine, and ``n_l`` hyperplanes cut such a set into at most
    ``sum_{j<=dim} C(n_l, j)`` pieces (Zaslavsky). Serra et al. (2018) give a tighter bound.

    Examples
    --------
    >>> region_bound([4], 2), region_bound([4, 3], 2)
    (11, 77)
    """
    dim = check_int(dim, name="dim", min_value=0)
    total = 1
    for n in n_units:
        n = check_int(n, name="n_units", min_value=0)
        total *= sum(math.comb(n, j) for j in range(min(dim, n) + 1))
    return total




def has_relu(model: Any) -> bool:
    """Whether ``model`` has ReLU-type modules: the one test of "do region counts apply"."""
    modules = getattr(model, "modules", None)
    if not callable(modules):
        return False
    return any(set(RELU_TYPES) & {c.__name__ for c in type(m).__mro__} for m in modules())
