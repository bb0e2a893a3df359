"""Distances between persistence diagrams, exact and with essential bars done right.

Conventions (shared by every function here)
-------------------------------------------
- **Ground metric and the diagonal.** A point (b, d) may be matched to a point of
  the other diagram or to the diagonal. With an internal L^q norm (``internal_p``)
  the cost of a pair is ``||(b1 - b2, d1 - d2)||_q`` and the cost to the diagonal is
  the L^q distance to the nearest diagonal point, ``(d - b) / 2 * 2**(1/q)``:
  ``(d - b) / 2`` for q = inf, ``(d - b) / sqrt(2)`` for q = 2, ``d - b`` for q = 1.
- **Bottleneck** uses L^inf (Cohen-Steiner, Edelsbrunner, Harer 2007; gudhi's
  ``bottleneck_distance``); **Wasserstein-p** defaults to ``internal_p=inf`` (gudhi
  and hera's default). persim's ``wasserstein`` is ``p=1, internal_p=2``.
- **Essential bars** (death = inf) are matched only with essential bars of the same
  dimension, by |birth difference|; sorted births are an optimal matching. Different
  counts make the distance ``inf`` (persim drops them silently and returns a finite
  number); ``essential="ignore"`` drops them and compares the finite parts.
- **Homology dimensions.** Inputs are :class:`~tda_nn.Diagrams`, giotto-tda ``(k, 3)``
  arrays, or raw ``(k, 2)`` arrays (one diagram). ``dim=None`` compares every
  dimension (both inputs must hold the same ones) and combines them as one graded
  diagram whose points only match within their dimension: the maximum over
  dimensions for the bottleneck distance, ``(sum_dim W_p**p)**(1/p)`` for
  Wasserstein, the sum for sliced Wasserstein. ``dim=1`` or ``dim=(0, 1)`` selects.
  A raw ``(k, 2)`` array is compared with the other input's ``dim`` (an int).
  A requested dimension missing from a ``Diagrams`` is a ``ValueError``; NaN is
  refused by ``Diagrams`` with a ``ValueError``.

The algorithms are exact (see :mod:`tda_nn._matching`): Wasserstein by a rectangular
assignment on the clipped savings matrix, bottleneck by binary search over candidate
values with Hopcroft-Karp feasibility tests. Sliced Wasserstein (Carrière, Cuturi,
Oudot 2017) uses ``n_directions`` evenly spaced directions in [-pi/2, pi/2), so it
is deterministic.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._diagram_samples import is_raw_diagram_list
from ._matching import bottleneck_cost, essential_cost, wasserstein_cost
from .budgets import check_budget
from .diagrams import Diagrams
from .diagrams_convert import _dims_implicit, _pad_dims, as_diagram_list, as_diagrams, is_gudhi_list
from .parallel import pmap
from .validation import as_numpy, check_choice, check_int, check_real

__all__ = [
    "DiagramDistance",
    "bottleneck",
    "pairwise_diagram_distances",
    "pairwise_distances",
    "sliced_wasserstein",
    "wasserstein",
]

Essential = Literal["match", "ignore"]
Metric = Literal["bottleneck", "wasserstein", "sliced_wasserstein", "landscape", "silhouette", "betti", "image"]
_MATCHING = ("bottleneck", "wasserstein", "sliced_wasserstein")
_VECTOR = ("landscape", "silhouette", "betti", "image")
_METRICS = _MATCHING + _VECTOR
_PARAMS = {
    "bottleneck": ("essential",),
    "wasserstein": ("p", "internal_p", "essential"),
    "sliced_wasserstein": ("n_directions", "essential"),
}


# -- input ---------------------------------------------------------------------------
class _Dim(NamedTuple):
    finite: np.ndarray  # (k, 2) finite bars
    essential: np.ndarray  # sorted births of the essential bars
    proj: np.ndarray | None = None  # sliced Wasserstein: (k, M) projections of the bars
    diag: np.ndarray | None = None  # and of their diagonal projections


def _as_diagrams(X: Any, name: str) -> tuple[Diagrams, bool]:
    """A ``Diagrams`` and whether the input was one raw ``(k, 2)`` diagram."""
    if isinstance(X, Diagrams):
        return X, False
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a Diagrams or a (k, 2) array of (birth, death), got {type(X).__name__}.")
    if isinstance(X, dict) or is_gudhi_list(X) or (
        isinstance(X, (list, tuple)) and X and all(isinstance(a, np.ndarray) and a.ndim == 2 for a in X)
    ):
        return as_diagrams(X, name=name), False  # ripser.py's dict or dgms list, gudhi's list
    arr = as_numpy(X, name=name)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.size == 0:
        return Diagrams([np.empty((0, 2))]), True
    if arr.ndim == 2 and arr.shape[1] == 3:
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN; births and deaths must be numbers (death may be inf).")
        return as_diagrams(arr, name=name), False
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"{name} must be a Diagrams, a (k, 2) array of (birth, death) or a giotto-tda (k, 3) array, "
            f"got an array of shape {arr.shape}."
        )
    try:
        return Diagrams([arr]), True  # validates: NaN, infinite births, death < birth
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _check_dims(dim: Any) -> tuple[int, ...] | None:
    if dim is None:
        return None
    if isinstance(dim, numbers.Integral) and not isinstance(dim, bool):
        return (check_int(dim, name="dim", min_value=0),)
    if isinstance(dim, Sequence) and not isinstance(dim, str) and len(dim) > 0:
        dims = tuple(check_int(d, name="dim", min_value=0) for d in dim)
        if len(set(dims)) != len(dims):
            raise ValueError(f"dim must not repeat a dimension, got {dim!r}.")
        return dims
    raise TypeError(f"dim must be None, a homology dimension or a non-empty tuple of them, got {dim!r}.")


def _dims_of(d: Diagrams, raw: bool, dims: tuple[int, ...] | None, name: str) -> tuple[int, ...]:
    """Indices into ``d`` for the requested dimensions."""
    if raw:
        if dims is not None and len(dims) > 1:
            raise ValueError(f"{name} is a single (k, 2) diagram; dim must be one dimension, got {dims}.")
        return (0,)
    if dims is None:
        return tuple(range(len(d)))
    missing = [k for k in dims if k >= len(d)]
    if missing:
        held = f"H0..H{d.maxdim}" if len(d) else "no dimension"
        raise ValueError(
            f"{name} has no H{missing[0]} diagram: it holds {held}. Ask for a held dimension with dim=, "
            "or compute homology up to that dimension."
        )
    return dims


def _prepare(d: Diagrams, idx: tuple[int, ...], essential: str, lines: np.ndarray | None) -> tuple[_Dim, ...]:
    out = []
    for k in idx:
        bars = np.asarray(d[k])
        fin = np.isfinite(bars[:, 1])
        finite = np.ascontiguousarray(bars[fin])
        ess = np.sort(bars[~fin, 0]) if essential == "match" else np.empty(0)
        if lines is None:
            out.append(_Dim(finite, ess))
        else:
            mid = finite.sum(axis=1) / 2.0
            out.append(_Dim(finite, ess, finite @ lines, mid[:, None] * lines.sum(axis=0)[None, :]))
    return tuple(out)


def _pair_inputs(X: Any, Y: Any, dim: Any) -> tuple[Diagrams, tuple[int, ...], Diagrams, tuple[int, ...]]:
    dX, rawX = _as_diagrams(X, "X")
    dY, rawY = _as_diagrams(Y, "Y")
    dims = _check_dims(dim)
    # gudhi's lists and giotto-tda's (k, 3) arrays show no dimension without bars: it is empty
    top = max(dX.maxdim, dY.maxdim, *(dims or ()))
    dX = _pad_dims(dX, top) if _dims_implicit(X) else dX
    dY = _pad_dims(dY, top) if _dims_implicit(Y) else dY
    if rawX != rawY and dims is None:
        raise ValueError(
            "dim is required when comparing a raw (k, 2) diagram with a Diagrams: say which "
            "homology dimension of the Diagrams to use, e.g. dim=1."
        )
    if not rawX and not rawY and dims is None and len(dX) != len(dY):
        raise ValueError(
            f"X holds {len(dX)} homology dimensions and Y holds {len(dY)}; with dim=None both must hold "
            "the same ones. Pass dim= to compare selected dimensions."
        )
    return dX, _dims_of(dX, rawX, dims, "X"), dY, _dims_of(dY, rawY, dims, "Y")


# -- per-pair kernels (module level, so that worker processes can run them) ----------
def _check_directions(n_directions: Any, n_bars: int) -> int:
    """``n_directions`` as an int, refused before allocating when the projections would not fit."""
    n_directions = check_int(n_directions, name="n_directions", min_value=1)
    check_budget(
        8.0 * n_directions * (2 + 6 * max(n_bars, 1)),
        f"sliced Wasserstein projections ({n_bars} bars x n_directions={n_directions})", None,
        name="budget", hint="Use fewer directions: n_directions=50 to 200 is typical.",
    )
    return n_directions


def _lines(n_directions: int) -> np.ndarray:
    """``(2, M)`` unit vectors at angles -pi/2 + k pi / M, k = 0..M-1."""
    theta = -np.pi / 2 + np.pi * np.arange(n_directions) / n_directions
    return np.stack([np.cos(theta), np.sin(theta)])


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a.T[::-1])] if len(a) > 1 else a


def _same_bars(A: tuple[_Dim, ...], B: tuple[_Dim, ...]) -> bool:
    """The two inputs hold the same bars (as multisets) in every compared dimension."""
    return len(A) == len(B) and all(
        a.finite.shape == b.finite.shape and np.array_equal(a.essential, b.essential)
        and np.array_equal(_sorted_rows(a.finite), _sorted_rows(b.finite))
        for a, b in zip(A, B)
    )


def _distance(A: tuple[_Dim, ...], B: tuple[_Dim, ...], metric: str, p: float, q: float) -> float:
    if A is B or _same_bars(A, B):  # exactly 0, not the solver's rounding (1e-13)
        return 0.0
    if metric == "bottleneck" or (metric == "wasserstein" and np.isinf(p)):
        worst = 0.0
        for a, b in zip(A, B):
            worst = max(worst, essential_cost(a.essential, b.essential, np.inf))
            if np.isinf(worst):
                return np.inf
            worst = max(worst, bottleneck_cost(a.finite, b.finite, q))
        return worst
    if metric == "wasserstein":
        total = 0.0
        for a, b in zip(A, B):
            total += essential_cost(a.essential, b.essential, p)
            if np.isinf(total):
                return np.inf
            total += wasserstein_cost(a.finite, b.finite, p, q)
        return total ** (1.0 / p)
    total = 0.0  # sliced Wasserstein
    for a, b in zip(A, B):
        total += essential_cost(a.essential, b.essential, 1.0)
        if np.isinf(total):
            return np.inf
        if len(a.finite) or len(b.finite):
            U = np.sort(np.concatenate([a.proj, b.diag]), axis=0)
            V = np.sort(np.concatenate([b.proj, a.diag]), axis=0)
            total += float(np.abs(U - V).sum(axis=0).mean())
    return total


def _chunk(pairs: np.ndarray, A: list, B: list, metric: str, p: float, q: float) -> np.ndarray:
    return np.array([_distance(A[i], B[j], metric, p, q) for i, j in pairs], dtype=np.float64)


# -- parameters ----------------------------------------------------------------------
def _check_essential(essential: Any) -> str:
    return check_choice(essential, name="essential", choices=("match", "ignore"))


def _check_p(p: Any, *, allow_inf: bool) -> float:
    p = check_real(p, name="p", min_value=1.0, allow_inf=allow_inf)
    return p


def _check_q(internal_p: Any) -> float:
    return check_real(internal_p, name="internal_p", min_value=1.0, allow_inf=True)


# -- public: one pair ----------------------------------------------------------------
def bottleneck(X: Any, Y: Any, *, dim: int | Sequence[int] | None = None, essential: Essential = "match") -> float:
    """Exact bottleneck distance between two persistence diagrams.

    ``d_B(X, Y) = min over partial matchings of the largest L^inf cost``, a point
    left unmatched paying its distance ``(d - b) / 2`` to the diagonal.

    Parameters
    ----------
    X, Y : Diagrams or array-like of shape (k, 2) or (k, 3)
        The diagrams (see the module docstring for raw and giotto-tda arrays).
    dim : int, tuple of int or None, default=None
        Homology dimensions compared; ``None`` takes all, combined by the maximum.
    essential : {'match', 'ignore'}, default='match'
        ``'match'``: essential bars pair up by birth within a dimension, and
        different counts give ``inf``. ``'ignore'``: drop them.

    Returns
    -------
    float
        The distance (``inf`` when essential counts differ).

    Raises
    ------
    ValueError
        For NaN, bars with death < birth, or a dimension missing from an input.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.distances import bottleneck
    >>> bottleneck(np.array([[0.0, 1.0]]), np.empty((0, 2)))
    0.5
    """
    essential = _check_essential(essential)
    dX, iX, dY, iY = _pair_inputs(X, Y, dim)
    return _distance(_prepare(dX, iX, essential, None), _prepare(dY, iY, essential, None), "bottleneck", np.inf, np.inf)


def wasserstein(
    X: Any,
    Y: Any,
    *,
    p: float = 1.0,
    internal_p: float = np.inf,
    dim: int | Sequence[int] | None = None,
    essential: Essential = "match",
) -> float:
    """Exact p-Wasserstein distance between two persistence diagrams.

    ``W_p(X, Y) = (min over partial matchings of sum ||x - y||_q**p)**(1/p)`` with
    ``q = internal_p``; unmatched points pay their L^q distance to the diagonal.
    ``p=inf`` gives the bottleneck distance with the L^q ground metric.

    Parameters
    ----------
    X, Y : Diagrams or array-like of shape (k, 2) or (k, 3)
        The diagrams.
    p : float, default=1.0
        Order, ``>= 1`` (``inf`` allowed).
    internal_p : float, default=inf
        The ground metric's L^q norm, ``>= 1``. gudhi/hera default to ``inf``;
        persim's ``wasserstein`` is ``p=1, internal_p=2``.
    dim : int, tuple of int or None, default=None
        Homology dimensions compared; ``None`` takes all, combined as
        ``(sum_dim W_p**p)**(1/p)``.
    essential : {'match', 'ignore'}, default='match'
        Essential bars of each dimension match by sorted birth, adding
        ``sum |Δbirth|**p``; different counts give ``inf``. ``'ignore'`` drops them.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.distances import wasserstein
    >>> X = np.array([[0.0, 2.0], [1.0, 2.0]])
    >>> Y = np.array([[0.0, 3.0]])
    >>> wasserstein(X, Y)  # (0,2)-(0,3) costs 1, (1,2) to the diagonal 0.5
    1.5
    >>> wasserstein(X, Y, dim=None, p=1, internal_p=1)
    2.0
    """
    p = _check_p(p, allow_inf=True)
    q = _check_q(internal_p)
    essential = _check_essential(essential)
    dX, iX, dY, iY = _pair_inputs(X, Y, dim)
    return _distance(_prepare(dX, iX, essential, None), _prepare(dY, iY, essential, None), "wasserstein", p, q)


def sliced_wasserstein(
    X: Any,
    Y: Any,
    *,
    n_directions: int = 50,
    dim: int | Sequence[int] | None = None,
    essential: Essential = "match",
) -> float:
    """Sliced Wasserstein distance (Carrière, Cuturi, Oudot 2017), deterministic.

    Each diagram is completed with the diagonal projections of the other's points;
    both are projected onto the lines at angles ``-pi/2 + k pi / M``
    (``k = 0..M-1``, ``M = n_directions``) and the 1-D Wasserstein-1 distances
    (sum of |differences| of the sorted projections) are averaged, a Riemann sum of
    ``(1/pi) * integral over [-pi/2, pi/2]``. It is a lower bound:
    ``SW <= 2 * W_1`` with ``internal_p=2`` and ``SW <= 2 * sqrt(2) * W_1`` with
    ``internal_p=inf``. Essential bars add the 1-D Wasserstein-1 distance of
    their births (``inf`` for different counts) unless ``essential="ignore"``.
    gudhi's ``SlicedWassersteinDistance(num_directions=M)`` averages over the first
    ``M - 1`` of the same ``M`` angles.

    Parameters
    ----------
    X, Y : Diagrams or array-like of shape (k, 2) or (k, 3)
    n_directions : int, default=50
    dim : int, tuple of int or None, default=None
        ``None`` takes all dimensions and sums.
    essential : {'match', 'ignore'}, default='match'

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.distances import sliced_wasserstein
    >>> X = np.array([[0.0, 2.0]])
    >>> round(sliced_wasserstein(X, X), 12)
    0.0
    """
    check_int(n_directions, name="n_directions", min_value=1)
    essential = _check_essential(essential)
    dX, iX, dY, iY = _pair_inputs(X, Y, dim)
    n_bars = max(sum(len(dX[k]) for k in iX), sum(len(dY[k]) for k in iY))
    L = _lines(_check_directions(n_directions, n_bars))
    return _distance(_prepare(dX, iX, essential, L), _prepare(dY, iY, essential, L), "sliced_wasserstein", 1.0, 1.0)


# -- public: many pairs --------------------------------------------------------------
def _as_samples(X: Any, name: str) -> tuple[list[Diagrams], bool]:
    """A list of samples and whether they are raw (k, 2) diagrams."""
    if isinstance(X, Diagrams):
        raise TypeError(f"{name} must be a list of Diagrams (one per sample), got a single Diagrams; wrap it: [{name}].")
    # a list of (k, 2) arrays is one raw diagram per sample, by the one rule of the converter
    # (tda_nn._diagram_samples); any other form goes to the same converter
    return as_diagram_list(X, name=name), is_raw_diagram_list(X)


def _sample_dims(samples: list[Diagrams], raw: bool, dims: tuple[int, ...] | None, name: str) -> tuple[int, ...]:
    if raw:
        if dims not in (None, (0,)):
            raise ValueError(f"{name} is a list of single (k, 2) diagrams; dim must be None, got {dims}.")
        return (0,)
    if dims is None:
        sizes = sorted({len(d) for d in samples})
        if len(sizes) > 1:
            raise ValueError(
                f"the diagrams in {name} hold different numbers of homology dimensions ({sizes}); "
                "with dim=None all must hold the same ones. Pass dim= to select."
            )
        return tuple(range(sizes[0])) if sizes else ()
    for i, d in enumerate(samples):
        _dims_of(d, False, dims, f"{name}[{i}]")
    return dims


def _matching_params(metric: str, params: dict[str, Any]) -> tuple[float, float, str, int]:
    allowed = _PARAMS[metric]
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise TypeError(f"metric={metric!r} takes the parameters {list(allowed)}, got unexpected {extra}.")
    essential = _check_essential(params.get("essential", "match"))
    p = _check_p(params.get("p", 1.0), allow_inf=True) if metric == "wasserstein" else np.inf
    q = _check_q(params.get("internal_p", np.inf)) if metric == "wasserstein" else np.inf
    n_dir = check_int(params.get("n_directions", 50), name="n_directions", min_value=1)
    return p, q, essential, n_dir


class _Vectorised:
    """A fitted vectoriser and the weights that turn its features into L^p norms."""

    _CLASSES = {
        "landscape": "PersistenceLandscape",
        "silhouette": "Silhouette",
        "betti": "BettiCurve",
        "image": "PersistenceImage",
    }

    def __init__(self, metric: str, dims: tuple[int, ...], params: dict[str, Any]):
        from . import features

        params = dict(params)
        self.p = check_real(params.pop("p", 2.0), name="p", min_value=1.0, allow_inf=True)
        cls = getattr(features, self._CLASSES[metric])
        try:
            self.est = cls(homology_dimensions=dims, **params)
        except TypeError as exc:
            raise TypeError(f"metric={metric!r} passes its parameters to features.{cls.__name__}: {exc}") from None
        self.metric = metric

    def fit(self, samples: list[Diagrams]) -> _Vectorised:
        self.est.fit(samples)
        n_dims = len(self.est.dims_)
        width = self.est.n_features_out_ // max(n_dims, 1)
        if self.metric == "image" or np.isinf(self.p):
            step = np.ones(n_dims)
        else:  # Riemann sum on each dimension's grid: ||f||_p ~ (step * sum |f_i|**p)**(1/p)
            g = self.est.grid_
            step = np.where(g.shape[1] > 1, g[:, min(1, g.shape[1] - 1)] - g[:, 0], 1.0)
        self.scale = np.repeat(step ** (0.0 if np.isinf(self.p) else 1.0 / self.p), width)
        return self

    def transform(self, samples: list[Diagrams]) -> np.ndarray:
        """The raw features; :meth:`cdist` applies the grid weights."""
        return self.est.transform(samples)

    def cdist(self, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        from scipy.spatial.distance import cdist

        # features and grid weights are each divided by a power of two near their largest
        # value (exact), so |u - v| ** p cannot overflow for diagrams at 1e300; the L^p
        # distance scales back linearly
        def unit(a: np.ndarray) -> float:
            top = float(np.abs(a).max(initial=0.0))
            return 2.0 ** np.frexp(top)[1] if 0 < top < np.inf else 1.0

        c = max(unit(U), unit(V))
        w = unit(self.scale)
        U, V = U / c * (self.scale / w), V / c * (self.scale / w)
        D = cdist(U, V, metric="chebyshev") if np.isinf(self.p) else cdist(U, V, metric="minkowski", p=self.p)
        with np.errstate(over="ignore", under="ignore"):
            out = D * c * w
        # a norm beyond float64's range (landscapes of diagrams at 1e300 scale as 1e450) is refused by
        # name, as one below its normal range (1e-300: 1e-450 rounds to 0 or loses its digits) is
        tiny = float(np.finfo(np.float64).tiny)
        if (np.isinf(out) & np.isfinite(D)).any() or ((out < tiny) & (D > 0)).any():
            pos = D[np.isfinite(D) & (D > 0)]
            lo, hi = (np.log10(v) + np.log10(c) + np.log10(w) for v in (pos.min(), pos.max()))
            raise ValueError(
                f"X: the {self.metric} distances of these diagrams lie between about 1e{lo:.0f} and 1e{hi:.0f}, "
                f"outside float64's normal range ({tiny:.3g} to {float(np.finfo(np.float64).max):.3g}); such "
                "an L^p norm of a vectorisation scales like a power of the diagrams' scale. Rescale the diagrams "
                "first (multiply every birth and death by one factor), or use metric='bottleneck' or "
                "'wasserstein', which scale linearly."
            )
        return out


def _n_chunks(n_jobs: int | None, n_pairs: int) -> int:
    import joblib

    from .parallel import check_n_jobs

    workers = joblib.effective_n_jobs(check_n_jobs(n_jobs))
    return 1 if workers <= 1 else min(n_pairs, 4 * workers)


def _matching_matrix(
    A: list, B: list, metric: str, p: float, q: float, symmetric: bool, n_jobs: int | None
) -> np.ndarray:
    n, m = len(A), len(B)
    out = np.zeros((n, m))
    if symmetric:
        i, j = np.triu_indices(n, k=1)
    else:
        i, j = (g.ravel() for g in np.meshgrid(np.arange(n), np.arange(m), indexing="ij"))
    pairs = np.column_stack([i, j])
    if len(pairs) == 0:
        return out
    chunks = np.array_split(pairs, _n_chunks(n_jobs, len(pairs)))
    # one chunk runs here: starting a pool of workers for it costs seconds and saves nothing
    values = np.concatenate(pmap(_chunk, chunks, n_jobs=n_jobs if len(chunks) > 1 else 1, A=A, B=B, metric=metric,
                                 p=p, q=q))
    out[i, j] = values
    if symmetric:
        out[j, i] = values
    return out


def pairwise_distances(
    X: Any,
    Y: Any = None,
    *,
    metric: Metric = "bottleneck",
    dim: int | Sequence[int] | None = None,
    n_jobs: int | None = None,
    **metric_params: Any,
) -> np.ndarray:
    """Distances between every pair of diagrams, computed in parallel.

    Exported at the top level as ``tda_nn.pairwise_diagram_distances``
    (``tda_nn.pairwise_distances`` is for point clouds).

    Parameters
    ----------
    X : list of Diagrams, giotto-tda array of shape (n, k, 3), or list of (k, 2) arrays
        The samples. A list of ``(k, 2)`` arrays is one diagram per sample.
    Y : same as X, or None, default=None
        ``None``: the symmetric ``X`` vs ``X`` matrix (upper triangle computed,
        zero diagonal). Otherwise the ``X`` vs ``Y`` matrix.
    metric : {'bottleneck', 'wasserstein', 'sliced_wasserstein', 'landscape', 'silhouette', 'betti', 'image'}
        Matching metrics take ``essential`` (all), ``p``/``internal_p``
        (Wasserstein) and ``n_directions`` (sliced), with the defaults of the
        single-pair functions. The vectorisation metrics vectorise every diagram
        once with :mod:`tda_nn.features` (``PersistenceLandscape``, ``Silhouette``,
        ``BettiCurve``, ``PersistenceImage``; the other keywords go to that
        transformer, fitted on X and Y together) and take the L^p distance,
        ``p=2`` by default. For landscapes, silhouettes and Betti curves the
        vectors are scaled by ``step**(1/p)`` of each dimension's grid, so the
        result is the Riemann sum of the function-space L^p norm (over the
        landscape layers too); images are compared as pixel vectors.
    dim : int, tuple of int or None, default=None
        Homology dimensions (see :func:`bottleneck` for how they combine; the
        vectorisation metrics concatenate dimensions, so their L^p sums over them).
    n_jobs : int or None, default=None
        Workers for :func:`tda_nn.parallel.pmap`; the pairs are split into
        ``4 * n_jobs`` chunks.

    Returns
    -------
    ndarray of shape (n_X, n_X) or (n_X, n_Y)

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.distances import pairwise_distances
    >>> dgms = [np.array([[0.0, 1.0]]), np.array([[0.0, 3.0]]), np.empty((0, 2))]
    >>> pairwise_distances(dgms, metric="bottleneck")
    array([[0. , 1.5, 0.5],
           [1.5, 0. , 1.5],
           [0.5, 1.5, 0. ]])
    """
    metric = check_choice(metric, name="metric", choices=_METRICS)
    dims = _check_dims(dim)
    sx, raw = _as_samples(X, "X")
    idx = _sample_dims(sx, raw, dims, "X")
    symmetric = Y is None
    if symmetric:
        sy, raw_y = sx, raw
    else:
        sy, raw_y = _as_samples(Y, "Y")
        if raw_y != raw:
            raise TypeError("X and Y must both be lists of Diagrams or both lists of (k, 2) arrays.")
        idx_y = _sample_dims(sy, raw_y, dims, "Y")
        if idx_y != idx:
            raise ValueError(f"X compares dimensions {idx} and Y {idx_y}; pass dim= to pick the same ones.")
    if metric in _VECTOR:
        vec = _Vectorised(metric, idx, metric_params).fit(sx if symmetric else sx + sy)
        U = vec.transform(sx)
        D = vec.cdist(U, U if symmetric else vec.transform(sy))
        if symmetric:
            D = (D + D.T) / 2.0
            np.fill_diagonal(D, 0.0)
        return D
    p, q, essential, n_dir = _matching_params(metric, metric_params)
    if metric == "sliced_wasserstein":
        n_bars = sum(len(d[k]) for d in (sx if symmetric else sx + sy) for k in idx)
        n_dir = _check_directions(n_dir, n_bars)
    lines = _lines(n_dir) if metric == "sliced_wasserstein" else None
    A = [_prepare(d, idx, essential, lines) for d in sx]
    B = A if symmetric else [_prepare(d, idx, essential, lines) for d in sy]
    return _matching_matrix(A, B, metric, p, q, symmetric, n_jobs)


pairwise_diagram_distances = pairwise_distances


# -- scikit-learn transformer --------------------------------------------------------
class DiagramDistance(TransformerMixin, BaseEstimator):
    """Distances (or kernel values) to the diagrams seen in ``fit``.

    ``fit(X)`` stores the training diagrams; ``transform(Z)`` returns the
    ``(n_Z, n_fitted)`` matrix of distances from each sample of ``Z`` to them, or
    with ``kernel`` the Gram matrix for ``SVC(kernel="precomputed")``.

    Parameters
    ----------
    metric : str, default='wasserstein'
        Any metric of :func:`pairwise_distances`.
    dim : int, tuple of int or None, default=None
        Homology dimensions.
    p : float or None, default=None
        Wasserstein order, or the L^p of the vectorisation metrics; ``None`` uses
        the metric's default (1 for Wasserstein, 2 for the vectorisations).
    internal_p : float, default=inf
        Wasserstein ground metric.
    n_directions : int, default=50
        Sliced Wasserstein directions.
    essential : {'match', 'ignore'}, default='match'
        Essential bars in the matching metrics (``inf`` distances give kernel 0).
    metric_params : dict or None, default=None
        Extra parameters of the vectoriser behind a vectorisation metric.
    kernel : bool or {'gaussian', 'exponential'}, default=False
        ``False``: distances. ``True``/``'gaussian'``: ``exp(-d**2 / (2 sigma**2))``.
        ``'exponential'``: ``exp(-d / (2 sigma**2))``, which is positive definite
        for the sliced Wasserstein distance (Carrière et al. 2017); the Gaussian
        kernel of a Wasserstein distance is in general not.
    sigma : float, default=1.0
        Kernel bandwidth.
    n_jobs : int or None, default=None
        Workers for the pairwise computation.

    Attributes
    ----------
    diagrams_ : list of Diagrams
        The fitted diagrams.
    vectorizer_, vectors_ : vectorisation metrics only
        The vectoriser fitted on ``diagrams_`` (its grid is learned there) and
        their scaled feature vectors.
    n_features_out_ : int
        The number of fitted diagrams.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Diagrams
    >>> from tda_nn.distances import DiagramDistance
    >>> train = [Diagrams([[[0.0, 1.0]]]), Diagrams([[[0.0, 3.0]]])]
    >>> DiagramDistance(metric="bottleneck").fit(train).transform([Diagrams([[[0.0, 2.0]]])])
    array([[1., 1.]])
    """

    def __init__(
        self,
        metric: Metric = "wasserstein",
        dim: int | Sequence[int] | None = None,
        p: float | None = None,
        internal_p: float = np.inf,
        n_directions: int = 50,
        essential: Essential = "match",
        metric_params: dict[str, Any] | None = None,
        kernel: bool | Literal["gaussian", "exponential"] = False,
        sigma: float = 1.0,
        n_jobs: int | None = None,
    ):
        self.metric = metric
        self.dim = dim
        self.p = p
        self.internal_p = internal_p
        self.n_directions = n_directions
        self.essential = essential
        self.metric_params = metric_params
        self.kernel = kernel
        self.sigma = sigma
        self.n_jobs = n_jobs

    def _params(self) -> dict[str, Any]:
        metric = check_choice(self.metric, name="metric", choices=_METRICS)
        if self.metric_params is not None and not isinstance(self.metric_params, dict):
            raise TypeError(f"metric_params must be a dict or None, got {type(self.metric_params).__name__}.")
        params: dict[str, Any] = dict(self.metric_params or {})
        if metric in _VECTOR:
            if self.p is not None:
                params["p"] = self.p
            return params
        params["essential"] = self.essential
        if metric == "wasserstein":
            params.update(p=1.0 if self.p is None else self.p, internal_p=self.internal_p)
        if metric == "sliced_wasserstein":
            params["n_directions"] = self.n_directions
        _matching_params(metric, params)  # fail at fit, not at transform
        return params

    def _kernel_kind(self) -> str | None:
        if self.kernel is False or self.kernel is None:
            return None
        if self.kernel is True:
            return "gaussian"
        return check_choice(self.kernel, name="kernel", choices=("gaussian", "exponential"))

    def fit(self, X: Any, y: Any = None) -> DiagramDistance:
        """Store the diagrams of ``X`` (validated) and check the parameters."""
        self._params()
        self._kernel_kind()
        check_real(self.sigma, name="sigma", min_value=0.0, strict=True)
        samples, raw = _as_samples(X, "X")
        if not samples:
            raise ValueError("X must hold at least one diagram to fit DiagramDistance, got none.")
        idx = _sample_dims(samples, raw, _check_dims(self.dim), "X")
        self.diagrams_ = samples
        self.n_features_out_ = len(samples)
        if self.metric in _VECTOR:  # vectorise the training diagrams once, on a grid learned from them
            self.vectorizer_ = _Vectorised(self.metric, idx, self._params()).fit(samples)
            self.vectors_ = self.vectorizer_.transform(samples)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Distances (or kernel values) of shape (n_samples, n_features_out_)."""
        check_is_fitted(self, "diagrams_")
        samples, _ = _as_samples(X, "X")
        if self.metric in _VECTOR:
            D = self.vectorizer_.cdist(self.vectorizer_.transform(samples), self.vectors_)
        else:
            D = pairwise_distances(
                samples, self.diagrams_, metric=self.metric, dim=self.dim, n_jobs=self.n_jobs, **self._params()
            )
        kind = self._kernel_kind()
        if kind is None:
            return D
        s2 = 2.0 * float(self.sigma) ** 2
        return np.exp(-(D**2) / s2) if kind == "gaussian" else np.exp(-D / s2)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``diagram_0``, ``diagram_1``, ...: one column per fitted diagram."""
        check_is_fitted(self, "diagrams_")
        prefix = "kernel" if self._kernel_kind() else "distance"
        return np.array([f"{prefix}_{i}" for i in range(self.n_features_out_)], dtype=object)
