"""Input validation for the whole package, in one place.

Every public function validates its user-facing arguments here, once, at the
boundary. Validators return the converted value, so callers write
``X = check_points(X, name="X")`` and never look at the raw input again.

Rules: wrong type -> ``TypeError``; wrong value -> ``ValueError``; the message
names the argument, what was expected, what was got, and how to fix it.

This room holds argument checks and the package's exceptions only: memory budgets
live in :mod:`tda_nn.budgets`, diagram converters in :mod:`tda_nn.diagrams_convert`.
It imports nothing from the package.
"""

from __future__ import annotations

import difflib
import numbers
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckpointError",
    "MemoryBudgetError",
    "as_numpy",
    "check_choice",
    "check_distance_matrix",
    "check_flag",
    "check_flag_or_auto",
    "check_int",
    "check_points",
    "check_positive_int",
    "check_prime",
    "check_real_dtype",
    "check_probability",
    "check_real",
    "check_seed",
    "find_stack_level",
    "suggest",
]


def _tensor_to_numpy(X: Any, name: str) -> np.ndarray:
    """A torch tensor as a CPU numpy array, by duck typing (torch is never imported here).

    bfloat16 has no numpy dtype: it is widened to float32 first (lossless), as float16
    tensors are converted by numpy itself. Meta-device tensors hold no values and are
    refused by name.
    """
    device = getattr(X, "device", None)
    if getattr(device, "type", None) == "meta" or getattr(X, "is_meta", False):
        raise ValueError(
            f"{name} is a tensor on the 'meta' device, which has a shape but no values; "
            f"materialise it first (e.g. {name}.to_empty(device='cpu') and fill it, or load real weights)."
        )
    X = X.detach()
    if "bfloat16" in str(getattr(X, "dtype", "")):
        X = X.float()
    if "complex" in str(getattr(X, "dtype", "")):
        raise TypeError(
            f"{name} must hold real numbers, got a complex tensor of dtype {X.dtype}; "
            "pass the real part (.real) or the modulus (.abs()) explicitly."
        )
    return X.cpu().numpy()


def check_real_dtype(arr: np.ndarray, name: str) -> None:
    """Refuse complex dtypes by name (numpy would otherwise drop the imaginary part silently)."""
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must hold real numbers, got complex dtype {arr.dtype}; pass the real part "
            "(.real) or the modulus (np.abs) explicitly if that is what you mean."
        )


def as_numpy(X: Any, *, name: str = "X", dtype: Any = None) -> np.ndarray:
    """Convert numpy arrays, torch tensors and nested sequences to ``np.ndarray``.

    Torch tensors are detached and moved to the CPU (bfloat16 widened to float32;
    meta-device tensors refused); torch itself is never imported here (a tensor is
    recognised by its methods). Complex, object, string and ragged data are refused
    with a ``TypeError`` naming ``name``.
    """
    if hasattr(X, "detach") and hasattr(X, "cpu") and hasattr(X, "numpy"):
        X = _tensor_to_numpy(X, name)
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be an array-like of numbers, got {type(X).__name__}.")
    if isinstance(X, np.ndarray) and np.iscomplexobj(X):
        check_real_dtype(X, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            arr = np.asarray(X, dtype=dtype)
    except np.exceptions.ComplexWarning:
        raise TypeError(
            f"{name} must hold real numbers, got complex values; pass the real part (.real) or the "
            "modulus (np.abs) explicitly."
        ) from None
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
    check_real_dtype(arr, name)
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


def check_distance_matrix(D: Any, *, name: str = "X", atol: float = 1e-6, keep_dtype: bool = False) -> Any:
    """Validate a dense or scipy-sparse distance matrix.

    Dense matrices must be square, symmetric (to ``atol`` relative to the largest
    entry), non-negative and zero on the diagonal; entries are finite or ``inf``
    (``inf`` means "no edge"). Sparse matrices must be square with non-negative, finite
    stored entries. Returns a float64 ndarray (``keep_dtype``: float32 kept, and a
    float64 memory map returned as it is, never copied) or a ``scipy.sparse.coo_matrix``.
    The checks read the matrix a block of rows at a time.
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
    arr = as_numpy(D, name=name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square (n x n) distance matrix, got shape {arr.shape}.")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must describe at least 2 points, got shape {arr.shape}.")
    if not keep_dtype or arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64, copy=False)
    _check_matrix_blocks(arr, name, atol)
    return arr


_BLOCK_ELEMENTS = 1 << 22  # entries per block of rows read by the matrix checks (32 MiB as float64)


def _row_blocks(n: int, n_cols: int) -> Iterable[tuple[int, int]]:
    step = max(1, _BLOCK_ELEMENTS // max(n_cols, 1))
    for i in range(0, n, step):
        yield i, min(n, i + step)


def _check_matrix_blocks(arr: np.ndarray, name: str, atol: float) -> None:
    """The checks of :func:`check_distance_matrix`, a block of rows at a time.

    Never more than a few blocks of about 4M entries in memory, so a large memory-mapped
    matrix is checked without being read into memory whole.
    """
    n = arr.shape[0]
    n_nan, lowest, scale = 0, np.inf, 0.0
    for i0, i1 in _row_blocks(n, n):
        block = np.asarray(arr[i0:i1], dtype=np.float64)
        n_nan += int(np.isnan(block).sum())
        lowest = min(lowest, float(np.min(block, initial=np.inf, where=~np.isnan(block))))
        fin = block[np.isfinite(block)]
        if fin.size:
            scale = max(scale, float(fin.max()))
    if n_nan:
        raise ValueError(f"{name} contains {n_nan} NaN entries.")
    if lowest < 0:
        raise ValueError(f"{name} has negative entries (min {lowest:.3g}); distances must be >= 0.")
    tol = atol * max(scale if scale > 0 else 1.0, 1.0)
    worst, diag, pattern = 0.0, 0.0, True
    for i0, i1 in _row_blocks(n, n):
        block = np.asarray(arr[i0:i1], dtype=np.float64)
        mirror = np.asarray(arr[:, i0:i1], dtype=np.float64).T
        fa, fb = np.isfinite(block), np.isfinite(mirror)
        pattern &= bool((fa == fb).all())
        both = fa & fb
        if both.any():
            worst = max(worst, float(np.abs(block[both] - mirror[both]).max()))
        diag = max(diag, float(np.abs(block[np.arange(i1 - i0), np.arange(i0, i1)]).max()))
    if not pattern or worst > tol:
        raise ValueError(
            f"{name} is not symmetric (largest |D - D.T| = {worst:.3g}); "
            "a distance matrix must satisfy D[i, j] == D[j, i]. Use (D + D.T) / 2 if "
            "the asymmetry is rounding noise."
        )
    if diag > tol:
        raise ValueError(f"{name} must have a zero diagonal, got max |diag| = {diag:.3g}.")


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


def check_prime(value: Any, *, name: str = "coeff", max_value: int | None = None) -> int:
    """Validate a prime field characteristic for homology coefficients.

    ``max_value`` (when given) is checked first, so a huge value is refused at
    once; primality is a deterministic Miller-Rabin test (exact below 3.3e24), so
    even ``2**61 - 1`` is decided in microseconds.
    """
    value = check_int(value, name=name, min_value=2)
    if max_value is not None and value > max_value:
        raise ValueError(f"{name}={value} is too large: the largest prime field the engines support here is "
                         f"Z/{max_value}Z. Use a prime {name} <= {max_value} (e.g. 2 or 3).")
    if not _is_prime(value):
        raise ValueError(f"{name} must be a prime (coefficients in Z/pZ), got {value}. Try 2 or 3.")
    return value


_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)  # deterministic below 3.3e24


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in _MR_BASES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


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


def check_positive_int(value: Any, *, name: str, max_value: int | None = None) -> int:
    """Validate an integer >= 1 (bools refused)."""
    return check_int(value, name=name, min_value=1, max_value=max_value)


def check_probability(value: Any, *, name: str, inclusive: bool = False) -> float:
    """Validate a probability: in the open interval (0, 1), or [0, 1] when ``inclusive``."""
    p = check_real(value, name=name)
    ok = (0.0 <= p <= 1.0) if inclusive else (0.0 < p < 1.0)
    if not ok:
        span = "[0, 1]" if inclusive else "(0, 1), e.g. 0.05"
        raise ValueError(f"{name} must be a probability in {span}, got {p}.")
    return p


def check_seed(value: Any, *, name: str = "seed") -> int | None:
    """Validate a random seed: None or a non-negative integer (bools and floats refused)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be None or a non-negative integer, got {type(value).__name__} {value!r}.")
    if int(value) < 0:
        raise ValueError(f"{name} must be None or a non-negative integer, got {int(value)}.")
    return int(value)


def check_flag(value: Any, *, name: str) -> bool:
    """Validate a true/false flag: ``True``/``False`` (or numpy bools) only.

    ``'yes'``, ``1`` or ``None`` are refused rather than read by truthiness, which
    would silently turn an option on or off.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")


def check_flag_or_auto(value: Any, *, name: str) -> bool | str:
    """Validate a true/false/'auto' flag; returns ``True``, ``False`` or ``'auto'``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        if value == "auto":
            return "auto"
        raise ValueError(f"{name} must be True, False or 'auto', got {value!r}.{suggest(value, ['auto'])}")
    raise TypeError(f"{name} must be True, False or 'auto', got {type(value).__name__} {value!r}.")


# -- exceptions --------------------------------------------------------------------
class MemoryBudgetError(MemoryError, ValueError):
    """A computation would exceed the memory budget; raised before anything is built.

    It is both a ``MemoryError`` and a ``ValueError``, so either ``except`` catches it.
    """


class CheckpointError(ValueError):
    """A checkpoint, model factory or saved file that cannot be used, with the reason in one line."""


def find_stack_level() -> int:
    """The ``stacklevel`` that attributes a warning to the first frame outside tda_nn.

    Pass ``stacklevel=find_stack_level()`` to ``warnings.warn``: however deep inside the
    package the warning is raised, it points at the user's own line.
    """
    import inspect

    pkg = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = inspect.currentframe()
    n = 0
    try:
        while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(pkg):
            frame = frame.f_back
            n += 1
    finally:
        del frame
    return max(n, 1)
