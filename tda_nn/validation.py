"""Input validation for the whole package, in one place.

Every public function validates its user-facing arguments here, once, at the
boundary. Validators return the converted value, so callers write
``X = check_points(X, name="X")`` and never look at the raw input again.

Rules: wrong type -> ``TypeError``; wrong value -> ``ValueError``; the message
names the argument, what was expected, what was got, and how to fix it.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckpointError",
    "MemoryBudgetError",
    "as_diagram_list",
    "as_diagrams",
    "as_numpy",
    "check_budget",
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
    "default_budget",
    "find_stack_level",
    "is_gudhi_list",
    "format_bytes",
    "parse_memory",
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


# -- memory budgets ----------------------------------------------------------------
class MemoryBudgetError(MemoryError, ValueError):
    """A computation would exceed the memory budget; raised before anything is built.

    It is both a ``MemoryError`` and a ``ValueError``, so either ``except`` catches it.
    """


class CheckpointError(ValueError):
    """A checkpoint, model factory or saved file that cannot be used, with the reason in one line."""


_UNITS = {
    "": 1, "b": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


def default_budget() -> int:
    """Half of the machine's physical memory (8 GiB when it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 16 * 2**30
    return int(total // 2)


def parse_memory(value: Any, *, name: str = "max_memory") -> float:
    """The one parser of memory budgets: bytes from ``None``, a number or a size string.

    ``None`` means :func:`default_budget` (half the physical memory); a number is a
    count of bytes (``inf`` = no limit); a string is a number with a unit, decimal
    (``'500MB'``, ``'2GB'``) or binary (``'2GiB'``), case and spaces ignored.
    """
    if value is None:
        return float(default_budget())
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", value)
        if not m or m.group(2).lower() not in _UNITS:
            raise ValueError(
                f"{name} must be a number of bytes, None, or a size such as '2GiB' or '500MB', got {value!r}."
            )
        out = float(m.group(1)) * _UNITS[m.group(2).lower()]
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number of bytes, None, or a size such as '2GiB' or '500MB', "
            f"got {type(value).__name__} {value!r}."
        )
    else:
        out = float(value)
    if math.isnan(out) or out <= 0:
        raise ValueError(f"{name} must be a positive number of bytes, got {value!r}.")
    return out


def format_bytes(n: float) -> str:
    """``1536 -> '1.5 KiB'``: the one formatter of byte counts in messages."""
    n = float(n)
    if math.isinf(n):
        return "unlimited"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_budget(needed: float, what: str, max_memory: Any, *, hint: str, name: str = "max_memory") -> None:
    """Raise :class:`MemoryBudgetError` before allocating when ``needed`` bytes exceed the budget."""
    budget = parse_memory(max_memory, name=name)
    if needed > budget:
        raise MemoryBudgetError(
            f"this computation would need about {format_bytes(needed)} for {what}, above the memory "
            f"budget {name}={format_bytes(budget)}. {hint}"
        )


# -- diagrams: the one converter ---------------------------------------------------
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
    from .diagrams import Diagrams

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
    from .diagrams import Diagrams

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
    from ._diagram_samples import is_raw_diagram_list, raw_samples

    from .diagrams import Diagrams

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
    from .diagrams import Diagrams

    return Diagrams([*d, *(np.empty((0, 2)) for _ in range(top - d.maxdim))], meta=d.meta)


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
