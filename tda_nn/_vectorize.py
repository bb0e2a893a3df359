"""Private machinery behind :mod:`tda_nn.features`.

One input converter (:func:`as_diagram_list`), one way to lay the bars of one
homology dimension out as flat arrays with a sample index (:func:`stack_bars`),
the shared transformer base class, and the vectorised numeric kernels. Every
kernel works on all bars of all diagrams at once (``np.bincount``,
``np.searchsorted``, broadcasting over padded blocks); nothing loops over bars.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .budgets import check_budget
from .diagrams import Diagrams
from .diagrams_convert import as_diagram_list as _convert
from .validation import check_choice, check_int, check_real

__all__ = [
    "Bars",
    "DiagramTransformer",
    "as_diagram_list",
    "block_max",
    "block_sum",
    "block_total",
    "check_homology_dimensions",
    "check_range",
    "apply_infinity",
    "block_quantiles",
    "image_pixels",
    "landscape_layers",
    "pad_blocks",
    "ramp_sums",
    "stack_bars",
    "sorted_blocks",
    "step_counts",
    "top_sums",
]

# Elements of one (chunk, grid, bars) block of tent values: small enough to stay in cache.
_BLOCK_ELEMENTS = 200_000


# -- input -------------------------------------------------------------------------
def as_diagram_list(X: Any, *, name: str = "X") -> list[Diagrams]:
    """Every accepted input as a list of :class:`Diagrams`, one per sample.

    The conversion is :func:`tda_nn.diagrams_convert.as_diagram_list`, the one converter
    shared by every stage after homology.
    """
    return _convert(X, name=name)


# -- bars as flat arrays -----------------------------------------------------------
class Bars(NamedTuple):
    """All bars of one homology dimension across samples, grouped by sample in order."""

    birth: np.ndarray  # (N,)
    death: np.ndarray  # (N,)
    sample: np.ndarray  # (N,) int, non-decreasing
    counts: np.ndarray  # (n_samples,) bars per sample
    starts: np.ndarray  # (n_samples,) offset of each sample's first bar

    @property
    def n_samples(self) -> int:
        return len(self.counts)

    @property
    def lifetime(self) -> np.ndarray:
        return self.death - self.birth


def _make_bars(birth: np.ndarray, death: np.ndarray, sample: np.ndarray, n: int) -> Bars:
    counts = np.bincount(sample, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if n else np.zeros(0, dtype=np.intp)
    return Bars(birth, death, sample, counts, starts)


def stack_bars(diagrams: Sequence[Diagrams], dim: int) -> Bars:
    """Stack H_dim of every diagram into flat arrays with a sample index (inf deaths kept)."""
    n = len(diagrams)
    parts = [tuple(d)[dim] for d in diagrams]  # iterating a Diagrams skips per-item validation
    counts = np.fromiter((len(p) for p in parts), dtype=np.intp, count=n)
    flat = np.concatenate(parts) if n else np.empty((0, 2))
    return _make_bars(flat[:, 0], flat[:, 1], np.repeat(np.arange(n), counts), n)


def apply_infinity(bars: Bars, infinity: str, clip_to: float = np.inf) -> Bars:
    """Handle essential bars: ``"keep"``, ``"clip"`` (death -> ``clip_to``, birth capped there) or ``"drop"``."""
    if infinity == "keep":
        return bars
    essential = np.isinf(bars.death)
    if not essential.any():
        return bars
    if infinity == "drop":
        keep = ~essential
        return _make_bars(bars.birth[keep], bars.death[keep], bars.sample[keep], bars.n_samples)
    death = np.where(essential, clip_to, bars.death)
    return Bars(np.minimum(bars.birth, death), death, bars.sample, bars.counts, bars.starts)


def pad_blocks(bars: Bars, *values: np.ndarray, fill: float = 0.0) -> list[np.ndarray]:
    """Scatter per-bar ``values`` into ``(n_samples, max_bars, ...)`` blocks padded with ``fill``."""
    width = int(bars.counts.max()) if bars.n_samples else 0
    pos = np.arange(len(bars.sample)) - bars.starts[bars.sample]
    out = []
    for v in values:
        block = np.full((bars.n_samples, width, *v.shape[1:]), fill, dtype=np.float64)
        block[bars.sample, pos] = v
        out.append(block)
    return out


def sorted_blocks(bars: Bars, values: np.ndarray) -> np.ndarray:
    """Each sample's ``values`` sorted ascending in a row of ``(n_samples, max_bars)``, padded with ``inf``."""
    return np.sort(pad_blocks(bars, values, fill=np.inf)[0], axis=1)


def top_sums(bars: Bars, values: np.ndarray, k: int) -> np.ndarray:
    """Sums of the 1, 2, ..., k largest ``values`` per sample, ``(n_samples, k)`` (missing values count 0)."""
    neg = pad_blocks(bars, -values, fill=0.0)[0]
    width = neg.shape[1]
    if width > k:
        neg = np.partition(neg, k - 1, axis=1)[:, :k]
    sums = -np.cumsum(np.sort(neg, axis=1), axis=1)
    if width < k:
        last = sums[:, -1:] if width else np.zeros((bars.n_samples, 1))
        sums = np.hstack([sums, np.repeat(last, k - width, axis=1)])
    return sums


def block_sum(sample: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per-sample sums of ``values`` as float64, ``(n,)`` (also when there are no bars)."""
    return np.bincount(sample, values, minlength=n).astype(np.float64, copy=False)


def block_total(bars: Bars, values: np.ndarray) -> np.ndarray:
    """Per-sample sums of ``values`` (aligned with ``bars``), ``(n_samples,)``; samples without bars give 0.

    ``np.add.reduceat`` over the contiguous per-sample blocks: an order of magnitude
    faster than a weighted ``np.bincount``.
    """
    out = np.zeros(bars.n_samples)
    has = bars.counts > 0
    if has.any():
        out[has] = np.add.reduceat(np.asarray(values, dtype=np.float64), bars.starts[has])
    return out


def block_max(bars: Bars, values: np.ndarray) -> np.ndarray:
    """Per-sample maximum of ``values`` (aligned with ``bars``); samples without bars give 0."""
    out = np.zeros(bars.n_samples)
    has = bars.counts > 0
    if has.any():
        out[has] = np.maximum.reduceat(values, bars.starts[has])
    return out


def block_quantiles(bars: Bars, sorted_rows: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Per-sample quantiles (numpy's default linear interpolation) from :func:`sorted_blocks` rows.

    Returns ``(n_samples, len(qs))``; samples without bars give 0.
    """
    out = np.zeros((bars.n_samples, len(qs)))
    has = np.flatnonzero(bars.counts > 0)
    if not len(has):
        return out
    c = bars.counts[has]
    for j, q in enumerate(qs):
        pos = q * (c - 1)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, c - 1)
        a, b = sorted_rows[has, lo], sorted_rows[has, hi]
        out[has, j] = a + (pos - lo) * (b - a)
    return out


# -- kernels on a grid ---------------------------------------------------------------
def step_counts(bars: Bars, grid: np.ndarray) -> np.ndarray:
    """Betti curves: ``#{bars with birth <= t < death}`` at every grid point, ``(n_samples, R)``."""
    n, R = bars.n_samples, len(grid)
    born = np.searchsorted(grid, bars.birth, side="left")  # first grid index with t >= birth
    dead = np.searchsorted(grid, bars.death, side="left")  # first grid index with t >= death
    events = np.bincount(bars.sample * (R + 1) + born, minlength=n * (R + 1))
    events -= np.bincount(bars.sample * (R + 1) + dead, minlength=n * (R + 1))
    return np.cumsum(events.reshape(n, R + 1)[:, :R], axis=1)


def ramp_sums(
    sample: np.ndarray, n: int, anchors: np.ndarray, weights: np.ndarray, grid: np.ndarray
) -> np.ndarray:
    """``sum_i weights_i * max(0, t - anchors_i)`` per sample at every grid point, ``(n, R)``.

    Exact: with ``W(t)``, ``S(t)`` the sums of ``w`` and ``w * a`` over anchors below
    ``t``, the sum is ``t * W(t) - S(t)``; both are cumulative bincounts.
    """
    R = len(grid)
    pos = np.searchsorted(grid, anchors, side="left")  # anchors below grid[j] for j >= pos
    key = sample * (R + 1) + pos
    W = block_sum(key, weights, n * (R + 1)).reshape(n, R + 1)[:, :R]
    S = block_sum(key, weights * anchors, n * (R + 1)).reshape(n, R + 1)[:, :R]
    return grid * np.cumsum(W, axis=1) - np.cumsum(S, axis=1)


def _top_tents(B: np.ndarray, D: np.ndarray, grid: np.ndarray, n_layers: int, out: np.ndarray) -> None:
    """Write the ``n_layers`` largest tents of padded bars ``B, D`` at ``grid`` into ``out (n, k, R)``."""
    n, width = B.shape
    R = len(grid)
    chunk = max(1, _BLOCK_ELEMENTS // (R * width))
    buf, tmp = np.empty((chunk, R, width)), np.empty((chunk, R, width))
    t = grid[None, :, None]
    for s in range(0, n, chunk):
        c = min(chunk, n - s)
        tent, other = buf[:c], tmp[:c]
        np.subtract(t, B[s : s + c, None, :], out=tent)
        np.subtract(D[s : s + c, None, :], t, out=other)
        np.minimum(tent, other, out=tent)
        np.maximum(tent, 0.0, out=tent)
        if n_layers <= 8:  # k rounds of argmax beat a partition for small k
            flat = tent.reshape(c * R, width)
            rows = np.arange(c * R)
            for k in range(n_layers):
                j = flat.argmax(axis=1)
                out[s : s + c, k] = flat[rows, j].reshape(c, R)
                flat[rows, j] = -1.0
        else:
            top = np.partition(tent, width - n_layers, axis=-1)[..., width - n_layers :]
            out[s : s + c] = -np.sort(-top, axis=-1).transpose(0, 2, 1)


def landscape_layers(bars: Bars, grid: np.ndarray, n_layers: int) -> np.ndarray:
    """Bubenik's landscapes ``lambda_1..lambda_k`` on ``grid``, shape ``(n_samples, k, R)``.

    Exact: tents ``max(0, min(t - b, d - t))`` are evaluated densely, but only for
    the bars overlapping each stretch of the grid (bars are short next to the
    grid's span, so splitting the grid into a few segments cuts the work several
    times), on cache-sized blocks of samples; the k largest come from k rounds
    of argmax (or ``np.partition`` for k > 8).
    """
    n, R = bars.n_samples, len(grid)
    out = np.zeros((n, n_layers, R))
    if n == 0 or len(bars.birth) == 0 or R == 0:
        return out
    span = float(grid[-1] - grid[0])
    mean_life = float(np.mean(bars.lifetime))
    n_seg = int(np.clip(span / (2.0 * mean_life), 1, max(1, R // 10))) if mean_life > 0 else 1
    edges = np.linspace(0, R, n_seg + 1).astype(np.intp)
    for j0, j1 in zip(edges[:-1], edges[1:]):
        sub = grid[j0:j1]
        keep = (bars.birth < sub[-1]) & (bars.death > sub[0])  # bars with a positive tent somewhere here
        if not keep.any():
            continue
        seg = _make_bars(bars.birth[keep], bars.death[keep], bars.sample[keep], n)
        B, D = pad_blocks(seg, seg.birth, seg.death)  # padding bars (0, 0) have zero tents
        k = min(n_layers, B.shape[1])  # layers beyond the number of bars are zero
        part = np.empty((n, k, j1 - j0))
        _top_tents(B, D, sub, k, part)
        out[:, :k, j0:j1] = part
    return out


def _gaussian_cells(edges: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    """Mass of N(centre, sigma^2) in each cell between consecutive ``edges``, ``(len(centres), len(edges) - 1)``.

    Differences of the normal CDF ``Phi((edge - centre) / sigma)`` (``scipy.special.ndtr``,
    accurate in both tails).
    """
    from scipy.special import ndtr

    cdf = ndtr((edges[None, :] - centres[:, None]) / sigma)  # not * (1 / sigma): that is inf for tiny sigma
    return cdf[:, 1:] - cdf[:, :-1]


def image_pixels(
    bars: Bars,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    x_edges: np.ndarray,
    y_edges: np.ndarray,
    sigma: float,
) -> np.ndarray:
    """Weighted sums of isotropic Gaussians integrated exactly over pixels, ``(n_samples, nx, ny)``.

    Pixel ``[x_j, x_j+1] x [y_k, y_k+1]`` receives
    ``w (Phi((x_j+1 - x)/s) - Phi((x_j - x)/s)) (Phi((y_k+1 - y)/s) - Phi((y_k - y)/s))``
    with ``Phi`` the standard normal CDF;
    the per-sample sum over bars is one batched matrix product.
    """
    n, nx, ny = bars.n_samples, len(x_edges) - 1, len(y_edges) - 1
    out = np.zeros((n, nx, ny))
    if n == 0 or len(x) == 0:
        return out
    gx = _gaussian_cells(x_edges, x, sigma) * weights[:, None]
    gy = _gaussian_cells(y_edges, y, sigma)
    GX, GY = pad_blocks(bars, gx, gy)
    return np.matmul(GX.transpose(0, 2, 1), GY, out=out)


# -- base transformer -----------------------------------------------------------------
def check_homology_dimensions(value: Any) -> tuple[int, ...]:
    """Validate ``homology_dimensions``: a non-empty sequence of distinct non-negative ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) == 0:
        raise TypeError(f"homology_dimensions must be a non-empty tuple of ints such as (0, 1), got {value!r}.")
    dims = tuple(check_int(d, name="homology_dimensions[i]", min_value=0) for d in value)
    if len(set(dims)) != len(dims):
        raise ValueError(f"homology_dimensions must not repeat a dimension, got {value!r}.")
    return dims


def check_range(value: Any, *, name: str) -> tuple[float, float] | None:
    """Validate an optional ``(low, high)`` pair of finite reals with ``low < high``."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be None or a pair (low, high), got {value!r}.")
    lo, hi = (check_real(v, name=name) for v in value)
    if not lo < hi:
        raise ValueError(f"{name} must satisfy low < high, got {value!r}.")
    return lo, hi


def _dims_held(diagrams: Sequence[Diagrams]) -> tuple[int, ...]:
    """``homology_dimensions=None``: the dimensions every training sample holds, which must be the same."""
    tops = sorted({d.maxdim for d in diagrams})
    if len(tops) > 1:
        first = next(i for i, d in enumerate(diagrams) if d.maxdim != tops[0])
        raise ValueError(
            f"homology_dimensions=None takes the dimensions the diagrams hold, but X[0] holds "
            f"{_describe_dims(diagrams[0].maxdim)} and X[{first}] holds {_describe_dims(diagrams[first].maxdim)}; "
            "pass homology_dimensions=(0, 1) (say) to pick the dimensions."
        )
    if tops[0] < 0:
        raise ValueError("X holds samples without any homology dimension; there is nothing to vectorise.")
    return tuple(range(tops[0] + 1))


def _describe_dims(maxdim: int) -> str:
    return "no dimensions" if maxdim < 0 else ("H0" if maxdim == 0 else f"H0..H{maxdim}")


class DiagramTransformer(TransformerMixin, BaseEstimator):
    """Shared fit/transform logic: input conversion, dimension checks, infinite bars, names.

    Subclasses implement ``_fit_state(bars_per_dim)`` (learn grids etc.) and
    ``_transform_dim(i, bars) -> (n_samples, n_i)``, plus ``_names_dim(i) -> list[str]``.
    """

    # infinity='clip' sets essential deaths to ranges_[i, 1]; BettiCurve sets this False to
    # keep them at inf instead (counted at every grid point after birth, as if clipped past the grid).
    _clip_essential_to_range = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"X_types": ["3darray"], "requires_fit": True}

    # -- validation --------------------------------------------------------------
    def _validate_params(self) -> None:
        """Hook for subclass parameter checks; called at the start of ``fit``."""

    def _width(self) -> int:
        """Features per homology dimension (an upper bound); subclasses with grids override it."""
        return 64

    def _check_memory(self, n_samples: int, n_dims: int) -> None:
        """Refuse, before anything is allocated, an output that would not fit in memory.

        The output is ``n_samples x n_dims x width`` float64 values, the working arrays a
        few times that, and fit also builds one feature name (about 64 bytes) per column.
        """
        width = self._width()
        needed = 8.0 * 4 * max(n_samples, 1) * n_dims * width + 64.0 * n_dims * width
        params = {k: getattr(self, k) for k in ("n_bins", "n_layers", "n_pixels") if hasattr(self, k)}
        check_budget(
            needed,
            f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())}) features "
            f"({n_samples} samples x {n_dims * width} columns)", None, name="budget",
            hint=f"Lower {' or '.join(params) or 'the output size'} (each value is a column per sample and "
                 "homology dimension), or vectorise fewer samples at once.",
        )

    def _check_dims_present(self, diagrams: list[Diagrams], dims: tuple[int, ...], *, when: str) -> None:
        top = min(d.maxdim for d in diagrams)
        need = max(dims)
        if need > top:
            first = next(i for i, d in enumerate(diagrams) if d.maxdim < need)
            have = _describe_dims(diagrams[first].maxdim)
            if when == "fit":
                raise ValueError(
                    f"homology_dimensions requests H{need} but the diagrams hold {have} (X[{first}]). "
                    f"Compute persistence with maxdim >= {need}, or drop H{need} from homology_dimensions."
                )
            raise ValueError(
                f"this {type(self).__name__} was fitted on H{', H'.join(map(str, dims))} but X[{first}] holds "
                f"only {have}; transform needs diagrams of the same dimensions as fit."
            )

    def _stack_all(self, diagrams: list[Diagrams], dims: tuple[int, ...], *, when: str) -> list[Bars]:
        try:
            return [stack_bars(diagrams, dim) for dim in dims]
        except IndexError:  # some diagram lacks a requested dimension
            pass
        self._check_dims_present(diagrams, dims, when=when)  # raises the explanatory ValueError
        return [stack_bars(diagrams, dim) for dim in dims]

    def _bars(self, raw: Bars, i: int) -> Bars:
        """Apply the fitted handling of essential bars to the raw bars of ``dims_[i]``."""
        clip = self.ranges_[i, 1] if self._clip_essential_to_range else np.inf
        return apply_infinity(raw, self.infinity, clip)

    # -- sklearn API ---------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> DiagramTransformer:
        """Learn grids and ranges from the training diagrams ``X``; returns ``self``."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X).transform(X)``, stacking the bars of ``X`` once."""
        bars = self._fit(X)
        return self._vectorise(bars)

    def _fit(self, X: Any) -> list[Bars]:
        """Fit; return the training bars per fitted dimension, essential bars handled."""
        dims = None if self.homology_dimensions is None else check_homology_dimensions(self.homology_dimensions)
        check_choice(self.infinity, name="infinity", choices=("clip", "drop"))
        self._validate_params()
        diagrams = as_diagram_list(X)
        if not diagrams:
            raise ValueError("X holds no diagrams; fit needs at least one sample.")
        if dims is None:
            dims = _dims_held(diagrams)
        self._check_memory(len(diagrams), len(dims))
        fixed = check_range(getattr(self, "sample_range", None), name="sample_range")
        raw = self._stack_all(diagrams, dims, when="fit")
        self.dims_ = dims
        ranges = np.empty((len(dims), 2))
        for i, bars in enumerate(raw):
            if fixed is not None:
                ranges[i] = fixed
                continue
            if len(bars.birth):
                lo = float(bars.birth.min())
                top = float(np.max(bars.death, where=np.isfinite(bars.death), initial=-np.inf))
                hi = max(float(bars.birth.max()), top)
            else:
                lo, hi = 0.0, 1.0
            ranges[i] = (lo, hi if hi > lo else lo + 1.0)
        self.ranges_ = ranges
        bars = [self._bars(b, i) for i, b in enumerate(raw)]
        self._fit_state(bars)
        self.n_features_out_ = sum(len(self._names_dim(i)) for i in range(len(dims)))
        return bars

    def transform(self, X: Any) -> np.ndarray:
        """Vectorise ``X``: an array of shape ``(n_samples, n_features_out_)``."""
        check_is_fitted(self)
        diagrams = as_diagram_list(X)
        self._check_memory(len(diagrams), len(self.dims_))
        raw = self._stack_all(diagrams, self.dims_, when="transform")
        return self._vectorise([self._bars(b, i) for i, b in enumerate(raw)])

    def _vectorise(self, bars: list[Bars]) -> np.ndarray:
        blocks = [self._transform_dim(i, b) for i, b in enumerate(bars)]
        return np.hstack(blocks).astype(np.float64, copy=False)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names such as ``H1_betti_17``, in output column order."""
        check_is_fitted(self)
        return np.asarray([n for i in range(len(self.dims_)) for n in self._names_dim(i)], dtype=object)

    # -- subclass hooks ---------------------------------------------------------------
    def _fit_state(self, bars: list[Bars]) -> None:
        """Learn per-dimension state (grids, pixel edges, ...) from the training bars."""

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _names_dim(self, i: int) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError
