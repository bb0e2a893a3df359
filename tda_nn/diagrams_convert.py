"""Diagram converters: every familiar form of persistence diagrams to :class:`~tda_nn.Diagrams`.

:func:`as_diagrams` converts ONE sample (a ``Diagrams``, ripser.py's dict or
``dgms`` list, gudhi's persistence list, a giotto-tda ``(k, 3)`` array, a raw
``(k, 2)`` array); :func:`as_diagram_list` a COLLECTION of samples (giotto-tda's
``(n, k, 3)`` stacks included). Every stage after homology converts its input
through these two, once.

This room imports :mod:`tda_nn.diagrams` and :mod:`tda_nn.validation`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._diagram_samples import _is_pairs_array, is_raw_diagram_list, raw_samples
from .diagrams import MAX_HOMOLOGY_DIM, Diagrams
from .validation import as_numpy

__all__ = ["as_diagram_list", "as_diagrams", "is_gudhi_list"]


def is_gudhi_list(x: Any) -> bool:
    """gudhi's persistence list ``[(dim, (birth, death)), ...]`` (non-empty)."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    first = x[0]
    return (
        isinstance(first, tuple) and len(first) == 2 and isinstance(first[0], numbers.Integral)
        and not isinstance(first[0], bool) and isinstance(first[1], (tuple, list)) and len(first[1]) == 2
    )


def _giotto_one(arr: np.ndarray, maxdim: int | None, name: str) -> Any:
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; births and deaths must be numbers (deaths may be inf).")
    dims = arr[:, 2]
    if (dims < 0).any() or (dims != np.round(dims)).any() or np.isinf(dims).any():
        raise ValueError(f"{name}[:, 2] must hold non-negative integer homology dimensions.")
    if np.isinf(arr[:, 0]).any():
        raise ValueError(
            f"{name} has a point with an infinite birth; a bar must be born at a finite scale. "
            "giotto-tda pads with zero-length points (birth == death, finite), never with infinite births."
        )
    return Diagrams.from_giotto(arr, maxdim=maxdim)


def as_diagrams(X: Any, *, name: str = "X") -> Any:
    """The one converter of ONE sample's diagrams to :class:`~tda_nn.Diagrams`.

    Accepted forms (all give the same ``Diagrams`` for the same bars):

    * a ``Diagrams``;
    * ripser.py's result dict (its ``'dgms'`` entry) or its ``dgms`` list: a list of
      ``(k, 2)`` arrays, one per homology dimension;
    * gudhi's persistence list ``[(dim, (birth, death)), ...]``;
    * giotto-tda's ``(k, 3)`` array of (birth, death, dim) triples; padding points
      (birth == death, finite) carry no bar and are ignored;
    * a raw ``(k, 2)`` array: the bars of homology dimension 0 (``Diagrams([arr])``).
    """
    if isinstance(X, Diagrams):
        return X
    if isinstance(X, dict):
        if "dgms" not in X:
            raise TypeError(f"{name} as a dict must be ripser.py's result with a 'dgms' entry, got keys {sorted(X)}.")
        return as_diagrams(list(X["dgms"]), name=f"{name}['dgms']")
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(_DIAGRAM_FORMS.format(name=name, got=type(X).__name__))
    if is_gudhi_list(X):
        dims = [d for d, _ in X]
        if min(dims) < 0:
            raise ValueError(f"{name}: gudhi homology dimensions must be >= 0, got {min(dims)}.")
        if max(dims) > MAX_HOMOLOGY_DIM:
            raise ValueError(f"{name} declares homology dimension {max(dims)}; dimensions above "
                             f"{MAX_HOMOLOGY_DIM} are refused before anything is allocated (one array per dimension).")
        return Diagrams([np.asarray([bd for d, bd in X if d == k], dtype=np.float64).reshape(-1, 2)
                         for k in range(max(dims) + 1)])
    if isinstance(X, (list, tuple)):
        if all(_is_pairs_array(a) for a in X):
            arrs = [as_numpy(a, name=f"{name}[{i}]").astype(np.float64).reshape(-1, 2) for i, a in enumerate(X)]
            try:
                return Diagrams(arrs)
            except ValueError as exc:  # NaN, infinite births, death < birth: said with the argument's name
                raise ValueError(f"{name}: {exc}") from None
        raise TypeError(
            _DIAGRAM_FORMS.format(name=name, got=f"a {type(X).__name__} whose items are not all (k, 2) arrays")
        )
    arr = as_numpy(X, name=name)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}.")
    if arr.size == 0 and arr.ndim <= 2:
        return Diagrams([np.empty((0, 2))])
    if arr.ndim == 2 and arr.shape[1] == 3:
        return _giotto_one(arr, None, name)
    if arr.ndim == 2 and arr.shape[1] == 2:
        try:
            return Diagrams([arr.astype(np.float64)])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    raise TypeError(_DIAGRAM_FORMS.format(name=name, got=f"an array of shape {arr.shape}"))


_DIAGRAM_FORMS = (
    "{name} must be diagrams: a tda_nn.Diagrams, ripser.py's result dict or its 'dgms' list of (k, 2) arrays, "
    "gudhi's persistence list [(dim, (birth, death)), ...], a giotto-tda (k, 3) array of (birth, death, dim), "
    "or a raw (k, 2) array of (birth, death); got {got}."
)


def as_diagram_list(X: Any, *, name: str = "X", allow_empty: bool = False) -> list[Any]:
    """The one converter of a COLLECTION of samples' diagrams to a list of ``Diagrams``.

    One sample in any form accepted by :func:`as_diagrams` gives a list of one. A
    giotto-tda ``(n, k, 3)`` array gives ``n`` samples (padding understood per sample;
    every sample keeps dimensions up to the stack's largest). A list of samples, each
    in any single-sample form, gives one ``Diagrams`` each. A list of ``(k, 2)``
    arrays is one raw diagram PER SAMPLE (persim's and giotto-tda's habit), warning
    where it looks like ripser.py's ``dgms``: the rule of :mod:`tda_nn._diagram_samples`.
    """
    if isinstance(X, (Diagrams, dict)) or is_gudhi_list(X):
        return [as_diagrams(X, name=name)]
    if hasattr(X, "shape") and not isinstance(X, (list, tuple)):
        arr = as_numpy(X, name=name)
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}.")
        if arr.ndim == 3:
            if arr.shape[2] != 3:
                raise ValueError(
                    f"{name} as a 3-D array must have giotto-tda's shape (n_samples, n_points, 3), got {arr.shape}."
                )
            if arr.shape[0] == 0 and not allow_empty:
                raise ValueError(f"{name} holds no samples (shape {arr.shape}); pass at least one diagram.")
            finite_dims = arr[:, :, 2][np.isfinite(arr[:, :, 2])]
            top = int(finite_dims.max()) if finite_dims.size else 0
            return [_giotto_one(a, top, f"{name}[{i}]") for i, a in enumerate(arr)]
        return [as_diagrams(arr, name=name)]
    if X is None or isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(
            f"{name} must be a list of diagrams (one per sample) or one sample's diagrams; got {type(X).__name__}."
        )
    if len(X) == 0:
        if allow_empty:
            return []
        raise ValueError(f"{name} is empty: no diagrams to work on; pass at least one sample's diagrams.")
    if is_raw_diagram_list(X):
        return raw_samples(X, name=name)
    out = [as_diagrams(item, name=f"{name}[{i}]") for i, item in enumerate(X)]
    # gudhi's lists and giotto-tda's (k, 3) arrays show no dimension without bars (a circle sampled
    # too sparsely has no H1 point at all): such a sample holds every dimension up to the
    # collection's highest, the missing ones empty, as giotto-tda's own (n, k, 3) stacks do
    implicit = [_dims_implicit(item) for item in X]
    if any(implicit):
        top = max(d.maxdim for d in out)
        out = [_pad_dims(d, top) if imp else d for d, imp in zip(out, implicit)]
    return out


def _dims_implicit(item: Any) -> bool:
    """A single-sample form in which a dimension without bars is absent: gudhi's list, giotto's (k, 3), ``[]``."""
    if isinstance(item, (list, tuple)):
        return len(item) == 0 or is_gudhi_list(item)
    shape = getattr(item, "shape", None)
    return shape is not None and len(shape) == 2 and shape[1] == 3


def _pad_dims(d: Any, top: int) -> Any:
    """``d`` with empty diagrams appended up to dimension ``top``."""
    if d.maxdim >= top:
        return d
    return Diagrams([*d, *(np.empty((0, 2)) for _ in range(top - d.maxdim))], meta=d.meta)
