"""Numbers the engines can hold: complex input refused, clouds centred, ranges checked, noise bars dropped.

ripser.py and giotto-ph reduce in float32 and compute point distances with the
expansion ``|x|^2 + |y|^2 - 2 x.y`` (in float64): far from the origin that
expansion cancels (a unit circle translated by 1e8 lost its loop), and values
beyond float32's range become ``inf`` (= "no edge") without a word. So, before
any engine sees a cloud:

- complex dtypes are refused by name (numpy would silently keep the real part);
- clouds under a translation-invariant metric are centred (their column mean,
  accumulated in float64, subtracted), which makes persistence invariant under
  translation up to the float64 rounding of the input itself;
- a cloud or distance matrix whose distances could exceed ``MAX_DISTANCE`` or
  whose nonzero extent is below ``MIN_DISTANCE`` is refused, with the rescaling
  that fixes it.

After the engine, bars no longer than ``RTOL`` times the extent of the diagrams
are dropped in every engine (:func:`drop_short_bars`): such bars are below the
float32 resolution of the reduction and below what the expansion resolves, so
engines disagreed on them (three points 1e-9 apart inside a unit cloud: one H0
bar in ripser and giotto-ph, three in gudhi; alpha's rounding bars of 1e-14 on a
regular polygon).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "MAX_DISTANCE",
    "MIN_DISTANCE",
    "RTOL",
    "TRANSLATION_INVARIANT",
    "check_distance_range",
    "drop_short_bars",
    "prepare_points",
    "refuse_complex",
]

# Bars with death - birth <= RTOL * extent are dropped (extent: the largest finite
# |value| minus the smallest over all dimensions of the result). float32 resolves
# 6e-8 relative; the expansion above loses about sqrt(eps64) ~ 1.5e-8 relative on
# near-duplicates; 1e-6 is above both with room to spare.
RTOL = 1e-6
# float32's largest value is 3.4e38; distances are refused well before it
MAX_DISTANCE = 1e38
# float32's smallest normal value is 1.2e-38; a cloud this small loses its distances
MIN_DISTANCE = 1e-30
# metrics with d(x + t, y + t) = d(x, y): the cloud can be centred first
TRANSLATION_INVARIANT = frozenset({"euclidean", "l2", "sqeuclidean", "cityblock", "manhattan", "l1", "chebyshev",
                                   "minkowski", "seuclidean", "mahalanobis"})


def refuse_complex(X: Any, name: str = "X") -> None:
    """Raise ``TypeError`` for complex numpy arrays, tensors, sparse matrices or nested lists."""
    dtype = getattr(X, "dtype", None)
    is_complex = getattr(X, "is_complex", None)  # torch tensors
    if callable(is_complex):
        bad = bool(is_complex())
    elif dtype is not None:
        try:
            bad = np.dtype(dtype).kind == "c"
        except TypeError:
            bad = False
    elif isinstance(X, (list, tuple)):
        try:
            bad = np.asarray(X).dtype.kind == "c"
        except (ValueError, TypeError):
            bad = False
    else:
        bad = isinstance(X, complex)
    if bad:
        raise TypeError(
            f"{name} has a complex dtype ({dtype if dtype is not None else 'complex'}); persistence needs real "
            f"numbers. Pass {name}.real or np.abs({name}) explicitly, or stack real and imaginary parts as "
            f"features (np.c_[{name}.real, {name}.imag])."
        )


def prepare_points(P: np.ndarray, metric: str, name: str = "X") -> np.ndarray:
    """Centre a validated cloud when ``metric`` is translation-invariant and check its range.

    Returns a new array of the same dtype (float32 stays float32: the mean is
    accumulated in float64 and subtracted in the input's precision, which is exact
    enough because the differences are what the input itself resolves).
    """
    if metric in TRANSLATION_INVARIANT:
        P = P - P.mean(axis=0, dtype=np.float64).astype(P.dtype)
    big = float(np.abs(P).max(initial=0.0))
    # every metric here is bounded by twice the L1 norm of the largest centred row
    bound = 2.0 * big * P.shape[1]
    if bound > MAX_DISTANCE:
        raise ValueError(
            f"{name} has values up to {big:.3g} (after centring), so its distances can reach {bound:.3g}, "
            f"beyond what the float32 Rips engines hold (about {MAX_DISTANCE:.0e}); they would overflow to inf "
            f"and silently become missing edges. Rescale first, e.g. {name} / np.abs({name}).max()."
        )
    if 0.0 < bound < MIN_DISTANCE:
        raise ValueError(
            f"{name} spans only {big:.3g} (after centring), below float32's resolution (about {MIN_DISTANCE:.0e}); "
            f"its distances would round to 0. Rescale first, e.g. {name} / np.abs({name}).max()."
        )
    return P


def check_distance_range(D: Any, name: str = "X") -> None:
    """Refuse a distance matrix (dense or COO) with finite entries beyond float32's range."""
    vals = D.data if hasattr(D, "row") else D[np.isfinite(D)]
    big = float(vals.max(initial=0.0))
    if big > MAX_DISTANCE:
        raise ValueError(
            f"{name} has distances up to {big:.3g}, beyond what the float32 Rips engines hold (about "
            f"{MAX_DISTANCE:.0e}); they would overflow to inf and silently become missing edges. Rescale first, "
            f"e.g. {name} / {name}[np.isfinite({name})].max()."
        )
    pos = vals[vals > 0]
    if pos.size and float(pos.max()) < MIN_DISTANCE:
        raise ValueError(
            f"{name} has distances only up to {float(pos.max()):.3g}, below float32's resolution (about "
            f"{MIN_DISTANCE:.0e}); they would round to 0. Rescale first."
        )


def drop_short_bars(dgms: list[np.ndarray], rtol: float = RTOL) -> tuple[list[np.ndarray], float]:
    """Drop bars with ``death - birth <= rtol * extent``; returns the diagrams and the cut-off used.

    ``extent`` is the largest finite value minus the smallest over the bars of
    positive length of all dimensions (for Rips and alpha, where H0 is born at 0,
    the largest finite value).
    Infinite bars are always kept.
    """
    # zero-length pairs first: gudhi reports them (pairs of simplices entering together), the others do not
    dgms = [d[d[:, 1] > d[:, 0]] for d in dgms]
    finite = [d[np.isfinite(d)] for d in dgms if len(d)]
    vals = np.concatenate(finite) if finite else np.empty(0)
    extent = float(vals.max() - vals.min()) if vals.size else 0.0
    tol = rtol * extent
    return [d[(d[:, 1] - d[:, 0]) > tol] for d in dgms], tol
