"""Input validation for the whole package, in one place.

Every public function validates its user-facing arguments here, once, at the
boundary. Validators return the converted value, so callers write
``X = check_points(X, name="X")`` and never look at the raw input again.

Rules: wrong type -> ``TypeError``; wrong value -> ``ValueError``; the message
names the argument, what was expected, what was got, and how to fix it.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_numpy",
    "check_choice",
    "check_distance_matrix",
    "check_int",
    "check_points",
    "check_prime",
    "check_real",
    "suggest",
]


def as_numpy(X: Any, *, name: str = "X", dtype: Any = None) -> np.ndarray:
    """Convert numpy arrays, torch tensors and nested sequences to ``np.ndarray``.

    Torch tensors are detached and moved to the CPU; torch itself is never
    imported here (a tensor is recognised by its methods).
    """
    if hasattr(X, "detach") and hasattr(X, "cpu") and hasattr(X, "numpy"):
        X = X.detach().cpu().numpy()
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be an array-like of numbers, got {type(X).__name__}.")
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array-like of numbers, got {type(X).__name__} "
            f"that numpy cannot convert ({exc})."
        ) from None
    if arr.dtype == object:
        raise TypeError(
            f"{name} must be a rectangular array of numbers, got ragged or object "
            f"data of type {type(X).__name__}."
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}.")
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(np.isinf(arr).sum())
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite values; finite values "
            "are needed. Drop or impute those samples first "
            f"(e.g. {name}[np.isfinite({name}).all(axis=1)])."
        )


def check_points(X: Any, *, name: str = "X", min_points: int = 2) -> np.ndarray:
    """Validate a point cloud: 2-D, finite, at least ``min_points`` rows.

    Returns a C-contiguous float array (float32 and float64 kept, others to float64).
    """
    arr = as_numpy(X, name=name)
    if arr.ndim != 2:
        hint = " Reshape a single point set with X.reshape(-1, 1)." if arr.ndim == 1 else ""
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_points, n_features), got "
            f"shape {arr.shape}.{hint}"
        )
    if arr.shape[0] < min_points:
        raise ValueError(
            f"{name} must have at least {min_points} point{'s' if min_points > 1 else ''}, got {arr.shape[0]} "
            f"(shape {arr.shape})."
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one feature, got shape {arr.shape}.")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def check_distance_matrix(D: Any, *, name: str = "X", atol: float = 1e-6) -> Any:
    """Validate a dense or scipy-sparse distance matrix.

    Dense matrices must be square, symmetric (to ``atol`` relative to the largest
    entry), non-negative and zero on the diagonal; entries are finite or ``inf``
    (``inf`` means "no edge"). Sparse matrices must be square with non-negative, finite
    stored entries. Returns a float64 ndarray or a ``scipy.sparse.coo_matrix``.
    """
    import scipy.sparse as sp

    if sp.issparse(D):
        if D.ndim != 2 or D.shape[0] != D.shape[1]:
            raise ValueError(f"{name} must be a square (n x n) distance matrix, got shape {D.shape}.")
        if D.shape[0] < 2:
            raise ValueError(f"{name} must describe at least 2 points, got shape {D.shape}.")
        coo = sp.coo_matrix(D, dtype=np.float64)
        if not np.isfinite(coo.data).all():
            raise ValueError(f"{name} has NaN or infinite stored entries; leave absent edges unstored instead.")
        if (coo.data < 0).any():
            raise ValueError(f"{name} has negative entries (min {coo.data.min():.3g}); distances must be >= 0.")
        return coo
    arr = as_numpy(D, name=name).astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square (n x n) distance matrix, got shape {arr.shape}.")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must describe at least 2 points, got shape {arr.shape}.")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains {int(np.isnan(arr).sum())} NaN entries.")
    if (arr < 0).any():
        raise ValueError(f"{name} has negative entries (min {arr.min():.3g}); distances must be >= 0.")
    finite = arr[np.isfinite(arr)]
    scale = float(finite.max()) if finite.size else 1.0
    sym = np.isfinite(arr) == np.isfinite(arr.T)
    both = np.isfinite(arr) & np.isfinite(arr.T)
    diff = np.zeros_like(arr)
    diff[both] = np.abs(arr[both] - arr.T[both])
    if not sym.all() or diff.max(initial=0.0) > atol * max(scale, 1.0):
        raise ValueError(
            f"{name} is not symmetric (largest |D - D.T| = {diff.max(initial=0.0):.3g}); "
            "a distance matrix must satisfy D[i, j] == D[j, i]. Use (D + D.T) / 2 if "
            "the asymmetry is rounding noise."
        )
    if np.abs(np.diag(arr)).max() > atol * max(scale, 1.0):
        raise ValueError(f"{name} must have a zero diagonal, got max |diag| = {np.abs(np.diag(arr)).max():.3g}.")
    return arr


def check_int(value: Any, *, name: str, min_value: int | None = None, max_value: int | None = None) -> int:
    """Validate an integer argument (bools refused) within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}.")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}.")
    return value


def check_real(
    value: Any,
    *,
    name: str,
    min_value: float | None = None,
    allow_inf: bool = False,
    strict: bool = False,
) -> float:
    """Validate a real number (bools refused); ``strict`` makes ``min_value`` exclusive."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    value = float(value)
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}.")
    if min_value is not None:
        if strict and not value > min_value:
            raise ValueError(f"{name} must be > {min_value}, got {value}.")
        if not strict and value < min_value:
            raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    return value


def check_prime(value: Any, *, name: str = "coeff") -> int:
    """Validate a prime field characteristic for homology coefficients."""
    value = check_int(value, name=name, min_value=2)
    if any(value % p == 0 for p in range(2, int(value**0.5) + 1)):
        raise ValueError(f"{name} must be a prime (coefficients in Z/pZ), got {value}. Try 2 or 3.")
    return value


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> str:
    """Return ``" Did you mean 'a', 'b'?"`` for the closest candidates, or ``""``."""
    close = difflib.get_close_matches(str(word), list(candidates), n=n, cutoff=0.5)
    if not close:
        return ""
    return " Did you mean " + ", ".join(repr(c) for c in close) + "?"


def check_choice(value: Any, *, name: str, choices: Sequence[str]) -> str:
    """Validate a string option against ``choices``, suggesting close matches."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}, got {type(value).__name__} {value!r}.")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.{suggest(value, choices)}")
    return value
