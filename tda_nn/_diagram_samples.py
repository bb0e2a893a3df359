"""The one rule for a list of raw ``(k, 2)`` arrays passed where a COLLECTION of samples is expected.

Every function that takes several samples' diagrams (the vectorisers in
:mod:`tda_nn.features`, :class:`~tda_nn.features.TopologicalFeatures`,
:func:`tda_nn.distances.pairwise_distances`, :class:`~tda_nn.distances.DiagramDistance`,
everything that goes through :func:`tda_nn.validation.as_diagram_list`) reads
``[a1, a2, ...]`` where every item is a ``(k, 2)`` array of (birth, death) as
**one diagram per sample**, the way persim and giotto-tda users pass them: each
sample becomes ``Diagrams([a_i])`` (the diagram sits in the H0 slot; raw arrays
carry no homology dimension of their own).

The one ambiguous case is ripser.py's ``dgms`` (one sample's H0, H1, ... as a list
of ``(k, 2)`` arrays). It is recognised by its shape: the first array holds an
essential (infinite) bar, as a Rips H0 always does, and a later one holds none. Such
a list is still read as samples, with a :class:`UserWarning` that says how to mean
one sample (``Diagrams(dgms)``, ``[dgms]`` or the result dict).

Functions that take ONE sample (``bottleneck``, ``wasserstein``, ``as_diagrams``,
the plots of one diagram) keep reading a list of ``(k, 2)`` arrays as that sample's
diagrams per dimension: there is nothing else it could mean there.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["is_raw_diagram_list", "raw_samples"]


def _is_pairs_array(a: Any) -> bool:
    """A (k, 2) array-like of (birth, death), or an empty one."""
    if hasattr(a, "detach") and hasattr(a, "numpy"):
        a = a.detach().cpu().numpy()
    if not isinstance(a, (np.ndarray, list, tuple)):
        return False
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return (arr.ndim == 2 and arr.shape[1] == 2) or arr.size == 0


def is_raw_diagram_list(X: Any) -> bool:
    """Whether ``X`` is a non-empty list or tuple whose every item is a ``(k, 2)`` array (or empty)."""

    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if all(isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == 3 for a in X):
        return False  # giotto-tda (k, 3) arrays, one per sample (only empty ones reach here)
    return all(_is_pairs_array(a) for a in X)


def _looks_like_dimensions(arrs: list[np.ndarray]) -> bool:
    """ripser.py's dgms shape: an essential bar in the first array, none in some later one."""
    if len(arrs) < 2:
        return False  # one array is one sample's one diagram under either reading
    essential = [bool(np.isinf(a[:, 1]).any()) if len(a) else False for a in arrs]
    return essential[0] and not all(essential[1:])


def raw_samples(X: Any, *, name: str = "X") -> list[Any]:
    """``X`` (see :func:`is_raw_diagram_list`) as one ``Diagrams`` per item, warning where ambiguous."""
    from .diagrams import Diagrams
    from .validation import as_numpy, find_stack_level

    arrs = []
    for i, a in enumerate(X):
        arr = as_numpy(a, name=f"{name}[{i}]")
        if np.iscomplexobj(arr):
            raise TypeError(f"{name}[{i}] must hold real numbers, got complex dtype {arr.dtype}.")
        arrs.append(arr.astype(np.float64).reshape(-1, 2))
    if _looks_like_dimensions(arrs):
        warnings.warn(
            f"{name} is a list of {len(arrs)} (k, 2) arrays: read as {len(arrs)} samples with one diagram each. "
            f"Its first array holds an essential bar and a later one does not, as ripser.py's dgms (one "
            f"sample's H0, H1, ...) do; to pass ONE sample, wrap it: Diagrams({name}) or [{name}].",
            UserWarning,
            stacklevel=find_stack_level(),
        )
    out = []
    for i, arr in enumerate(arrs):
        try:
            out.append(Diagrams([arr]))
        except ValueError as exc:
            raise ValueError(f"{name}[{i}]: {exc}") from None
    return out
