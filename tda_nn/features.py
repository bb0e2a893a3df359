"""Vectorisations of persistence diagrams as scikit-learn transformers.

Every transformer here takes a list of :class:`~tda_nn.Diagrams`, a single
``Diagrams`` (one sample), a giotto-tda ``(n, k, 3)`` array of
(birth, death, dim) triples (padding points with birth == death are ignored),
or a list of raw ``(k, 2)`` arrays, read as ONE DIAGRAM PER SAMPLE as persim
and giotto-tda users pass them (each in the H0 slot; a warning where the list
looks like ripser.py's ``dgms`` of one sample, which is passed as
``Diagrams(dgms)`` or ``[dgms]``; the rule is :mod:`tda_nn._diagram_samples`),
and returns an array of shape ``(n_samples, n_features_out_)``.

Shared conventions
------------------
- ``homology_dimensions=None``: every dimension the training diagrams hold
  (all samples must hold the same ones), or the dimensions given, features of
  each dimension side by side in that order. Asking for a dimension the
  diagrams do not hold is a ``ValueError`` at ``fit``; diagrams at
  ``transform`` must hold every fitted dimension (``dims_``).
- ``fit`` learns ``ranges_`` (``(n_dims, 2)``: smallest birth, largest finite
  birth or death per dimension, or ``sample_range`` where the transformer has one)
  and the transformer's grid or pixels.
- ``infinity``: essential (infinite) bars are either clipped (``"clip"``: death
  set to the fitted ``ranges_[:, 1]``) or dropped (``"drop"``).
- Empty diagrams give zeros. NaN cannot occur inside ``Diagrams`` (it refuses
  them); NaN in a giotto-tda array is a ``ValueError``.
- Feature names follow ``H{dim}_{what}[_{index}]``, e.g. ``H1_betti_17``,
  ``H0_landscape_2_5`` (layer 2, grid point 5), ``H1_entropy``.

All computation is vectorised over all bars of all diagrams at once.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._vectorize import (
    Bars,
    DiagramTransformer,
    as_diagram_list,
    block_max,
    block_quantiles,
    block_total,
    check_range,
    image_pixels,
    landscape_layers,
    ramp_sums,
    sorted_blocks,
    step_counts,
    top_sums,
)
from .validation import check_flag, check_int, check_real

__all__ = [
    "Amplitude",
    "BettiCurve",
    "PersistenceImage",
    "PersistenceLandscape",
    "PersistenceStatistics",
    "PersistentEntropy",
    "Silhouette",
    "TopologicalFeatures",
    "TropicalCoordinates",
]

Infinity = Literal["clip", "drop"]


class _GridTransformer(DiagramTransformer):
    """A function of the filtration value sampled on ``n_bins`` evenly spaced points."""

    def _validate_params(self) -> None:
        check_int(self.n_bins, name="n_bins", min_value=1)

    def _width(self) -> int:
        return int(self.n_bins)

    def _fit_state(self, bars: list[Bars]) -> None:
        self.grid_ = np.stack([np.linspace(lo, hi, self.n_bins) for lo, hi in self.ranges_])


class BettiCurve(_GridTransformer):
    """Betti curves: the number of bars alive at each grid point.

    At filtration value ``t`` a bar ``(b, d)`` is alive when ``b <= t < d``
    (the convention of :meth:`Diagrams.betti_numbers` and gudhi). With
    ``infinity="clip"`` an essential bar counts at every grid point after its
    birth (clipping beyond the grid end), with ``"drop"`` it never counts.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    n_bins : int, default=100
        Grid points per dimension.
    sample_range : (float, float) or None, default=None
        Grid ends; ``None`` fits them per dimension to the smallest birth and
        largest finite value of the training diagrams.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_ : tuple of int
        The fitted homology dimensions.
    ranges_ : ndarray of shape (n_dims, 2)
        Grid ends per dimension.
    grid_ : ndarray of shape (n_dims, n_bins)
        ``grid_[i]`` is the grid of ``homology_dimensions[i]`` (``linspace`` of ``ranges_[i]``).
    n_features_out_ : int
        ``n_dims * n_bins``.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import BettiCurve
    >>> d = Diagrams([[[0.0, np.inf], [0.0, 1.0]], [[0.5, 2.0]]])
    >>> BettiCurve(n_bins=5, sample_range=(0, 2)).fit_transform(d)
    array([[2., 2., 1., 1., 1., 0., 1., 1., 1., 0.]])
    """

    _clip_essential_to_range = False

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        n_bins: int = 100,
        sample_range: tuple[float, float] | None = None,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.n_bins = n_bins
        self.sample_range = sample_range
        self.infinity = infinity

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        return step_counts(bars, self.grid_[i]).astype(np.float64)

    def _names_dim(self, i: int) -> list[str]:
        return [f"H{self.dims_[i]}_betti_{j}" for j in range(self.n_bins)]


class PersistenceLandscape(_GridTransformer):
    """Persistence landscapes (Bubenik 2015), ``n_layers`` layers sampled on a grid.

    Bubenik's convention: the tent of a bar ``(b, d)`` is
    ``t -> max(0, min(t - b, d - t))`` and ``lambda_k(t)`` is the k-th largest
    tent value at ``t`` (zero when fewer than k bars are alive). A single bar
    ``(0, 2)`` peaks at ``lambda_1(1) = 1``. gudhi's ``Landscape`` returns
    ``sqrt(2)`` times these values (it measures heights along the diagonal).

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    n_layers : int, default=5
        Number of landscape functions ``lambda_1 .. lambda_k``.
    n_bins : int, default=100
        Grid points per dimension.
    sample_range : (float, float) or None, default=None
        Grid ends; ``None`` fits them per dimension.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_, grid_, n_features_out_
        As in :class:`BettiCurve`; ``n_features_out_ = n_dims * n_layers * n_bins``,
        ordered dimension, then layer, then grid point.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import PersistenceLandscape
    >>> d = Diagrams([[[0.0, 2.0]]])
    >>> PersistenceLandscape((0,), n_layers=1, n_bins=5, sample_range=(0, 2)).fit_transform(d)
    array([[0. , 0.5, 1. , 0.5, 0. ]])
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        n_layers: int = 5,
        n_bins: int = 100,
        sample_range: tuple[float, float] | None = None,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.n_layers = n_layers
        self.n_bins = n_bins
        self.sample_range = sample_range
        self.infinity = infinity

    def _validate_params(self) -> None:
        super()._validate_params()
        check_int(self.n_layers, name="n_layers", min_value=1)

    def _width(self) -> int:
        return int(self.n_layers) * int(self.n_bins)

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        return landscape_layers(bars, self.grid_[i], self.n_layers).reshape(bars.n_samples, -1)

    def _names_dim(self, i: int) -> list[str]:
        d = self.dims_[i]
        return [f"H{d}_landscape_{k}_{j}" for k in range(1, self.n_layers + 1) for j in range(self.n_bins)]


class Silhouette(_GridTransformer):
    """Power-weighted silhouettes (Chazal et al. 2014) sampled on a grid.

    ``phi(t) = sum_i w_i tent_i(t) / sum_i w_i`` with Bubenik's tents
    ``max(0, min(t - b_i, d_i - t))`` and weights ``w_i = (d_i - b_i) ** power``;
    zero for a diagram without bars of positive weight. gudhi's ``Silhouette``
    returns ``sqrt(2)`` times these values.

    Computed exactly in O(bars + samples x grid): a tent is the ramp sum
    ``(t-b)+ - 2 (t-m)+ + (t-d)+`` with ``m`` the midpoint, and weighted ramp
    sums on a grid are cumulative bincounts.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    power : float, default=1.0
        Exponent of the lifetime weights (0 gives the plain mean of tents).
    n_bins : int, default=100
        Grid points per dimension.
    sample_range : (float, float) or None, default=None
        Grid ends; ``None`` fits them per dimension.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_, grid_, n_features_out_
        As in :class:`BettiCurve`.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import Silhouette
    >>> d = Diagrams([[[0.0, 2.0], [0.0, 2.0]]])
    >>> Silhouette((0,), n_bins=3, sample_range=(0, 2)).fit_transform(d)
    array([[0., 1., 0.]])
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        power: float = 1.0,
        n_bins: int = 100,
        sample_range: tuple[float, float] | None = None,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.power = power
        self.n_bins = n_bins
        self.sample_range = sample_range
        self.infinity = infinity

    def _validate_params(self) -> None:
        super()._validate_params()
        check_real(self.power, name="power", min_value=0.0)

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        n, grid = bars.n_samples, self.grid_[i]
        # The silhouette is scale-equivariant (S_{cD}(ct) = c S_D(t)): compute it on values
        # divided by a power of two near their magnitude (exact in floating point), so that
        # products such as weight * anchor cannot overflow at 1e300 or underflow at 1e-300.
        top = max(float(np.abs(grid).max(initial=0.0)), float(np.abs(bars.birth).max(initial=0.0)),
                  float(np.abs(bars.death).max(initial=0.0)))
        c = 2.0 ** np.frexp(top)[1] if top > 0 else 1.0
        birth, death, grid = bars.birth / c, bars.death / c, grid / c
        w = (death - birth) ** float(self.power)
        mid = 0.5 * (birth + death)
        anchors = np.concatenate([birth, mid, death])
        weights = np.concatenate([w, -2.0 * w, w])
        sample = np.tile(bars.sample, 3)
        total = ramp_sums(sample, n, anchors, weights, grid)
        norm = block_total(bars, w)
        out = np.divide(total, norm[:, None], out=np.zeros_like(total), where=norm[:, None] > 0)
        np.maximum(out, 0.0, out=out)  # rounding can leave -1e-17 where all tents are 0
        return out * c

    def _names_dim(self, i: int) -> list[str]:
        return [f"H{self.dims_[i]}_silhouette_{j}" for j in range(self.n_bins)]


_WEIGHTS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "linear": lambda birth, pers: pers,
    "uniform": lambda birth, pers: np.ones_like(pers),
}


def _unit(values: np.ndarray) -> float:
    """A power of two near the largest ``|value|``: dividing by it is exact and keeps squares and
    products of the values from overflowing (at 1e300) or underflowing (at 1e-300)."""
    top = float(np.max(np.abs(values), initial=0.0, where=np.isfinite(values)))
    return 2.0 ** np.frexp(top)[1] if top > 0 else 1.0


_TINY_SPAN = 2.0**-1000  # ~9e-302: fitted image extents narrower than this would give (near-)subnormal pixel sides


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be an int or a pair of ints (n_birth, n_persistence), got {value!r}.")
    return check_int(value[0], name=name, min_value=1), check_int(value[1], name=name, min_value=1)


class PersistenceImage(DiagramTransformer):
    """Persistence images (Adams et al. 2017) in birth-persistence coordinates.

    Each bar becomes the point ``(b, p) = (birth, death - birth)`` carrying an
    isotropic Gaussian of standard deviation ``sigma`` and weight ``w(b, p)``;
    pixel ``(j, k)`` holds the exact integral of the weighted Gaussians over
    ``[birth_edges_[j], birth_edges_[j+1]] x [persistence_edges_[k], persistence_edges_[k+1]]``
    (differences of the normal CDF), so mass outside the image is lost and none is
    double counted. This is persim's ``PersistenceImager`` convention with its
    covariance ``sigma**2 * I``; gudhi's ``PersistenceImage`` instead samples the
    density at pixel corners.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    n_pixels : int or (int, int), default=20
        Pixels along the birth and the persistence axis.
    sigma : float or None, default=None
        Standard deviation of the Gaussian; ``None`` uses the larger pixel side of
        each dimension's fitted image (stored in ``sigma_``).
    weight : {'linear', 'uniform'} or callable, default='linear'
        ``'linear'``: ``w = p`` (persistence, persim's default); ``'uniform'``:
        ``w = 1``; a callable ``weight(birth, persistence) -> weights`` gets arrays
        of all bars of one dimension at once and must return finite values
        ``>= 0`` (a ``ValueError`` naming ``weight`` otherwise).
    birth_range, persistence_range : (float, float) or None, default=None
        Image extent; ``None`` fits it per dimension: births from smallest to
        largest, persistence from 0 to the largest (after clipping essential bars).
        A degenerate birth range (all births equal, as in Rips H0) is widened to
        the persistence range's width, centred on the birth.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_ : as in :class:`BettiCurve`
    birth_edges_ : ndarray of shape (n_dims, n_birth + 1)
    persistence_edges_ : ndarray of shape (n_dims, n_persistence + 1)
    sigma_ : ndarray of shape (n_dims,)
    n_features_out_ : int
        ``n_dims * n_birth * n_persistence``, each image flattened birth-major
        (feature ``H1_image_j_k`` is birth pixel j, persistence pixel k).

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import PersistenceImage
    >>> d = Diagrams([[[0.5, 1.0]]])
    >>> img = PersistenceImage((0,), n_pixels=2, sigma=1e-3, weight="uniform",
    ...                        birth_range=(-1, 1), persistence_range=(0, 2)).fit_transform(d)
    >>> img.round(6)
    array([[0., 0., 1., 0.]])
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        n_pixels: int | tuple[int, int] = 20,
        sigma: float | None = None,
        weight: Literal["linear", "uniform"] | Callable[[np.ndarray, np.ndarray], np.ndarray] = "linear",
        birth_range: tuple[float, float] | None = None,
        persistence_range: tuple[float, float] | None = None,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.n_pixels = n_pixels
        self.sigma = sigma
        self.weight = weight
        self.birth_range = birth_range
        self.persistence_range = persistence_range
        self.infinity = infinity

    def _validate_params(self) -> None:
        _pair(self.n_pixels, "n_pixels")
        if self.sigma is not None:
            check_real(self.sigma, name="sigma", min_value=0.0, strict=True)
        if not callable(self.weight) and self.weight not in _WEIGHTS:
            raise ValueError(f"weight must be 'linear', 'uniform' or a callable(birth, persistence), got {self.weight!r}.")
        check_range(self.birth_range, name="birth_range")
        check_range(self.persistence_range, name="persistence_range")

    def _width(self) -> int:
        nb, npers = _pair(self.n_pixels, "n_pixels")
        return nb * npers

    def _fit_state(self, bars: list[Bars]) -> None:
        nb, npers = _pair(self.n_pixels, "n_pixels")
        b_edges, p_edges, sigmas = [], [], []
        for bs in bars:
            pers = bs.lifetime
            p_rng = check_range(self.persistence_range, name="persistence_range")
            if p_rng is None:
                top = float(pers.max()) if len(pers) else 0.0
                if 0.0 < top <= _TINY_SPAN:  # widening it would move every bar into one pixel row: refuse
                    raise ValueError(
                        f"X: the longest bar of H{self.dims_[len(p_edges)]} has persistence {top:.3g}, below "
                        f"{_TINY_SPAN:.1e}, where the pixel sides of a persistence image would be subnormal "
                        "floats. Rescale the diagrams first (multiply births and deaths by one factor)."
                    )
                # below _TINY_SPAN, pixel sides would be subnormal and the Gaussians NaN
                p_rng = (0.0, top if top > _TINY_SPAN else 1.0)
            b_rng = check_range(self.birth_range, name="birth_range")
            if b_rng is None:
                lo, hi = (float(bs.birth.min()), float(bs.birth.max())) if len(pers) else (0.0, 1.0)
                if not hi - lo > _TINY_SPAN * max(1.0, abs(lo)):
                    half = 0.5 * (p_rng[1] - p_rng[0])
                    lo, hi = lo - half, lo + half
                b_rng = (lo, hi)
            b_edges.append(np.linspace(*b_rng, nb + 1))
            p_edges.append(np.linspace(*p_rng, npers + 1))
            side = max((b_rng[1] - b_rng[0]) / nb, (p_rng[1] - p_rng[0]) / npers)
            sigmas.append(float(self.sigma) if self.sigma is not None else side)
        self.birth_edges_ = np.stack(b_edges)
        self.persistence_edges_ = np.stack(p_edges)
        self.sigma_ = np.asarray(sigmas)

    def _weights(self, birth: np.ndarray, pers: np.ndarray) -> np.ndarray:
        func = self.weight if callable(self.weight) else _WEIGHTS[self.weight]
        got = func(birth, pers)
        try:
            w = np.asarray(got, dtype=np.float64)
            if w.shape != pers.shape:
                w = np.broadcast_to(w, pers.shape).astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"weight must return one real number per bar (an array of shape {pers.shape} or a scalar), "
                f"got {type(got).__name__} of shape {np.shape(got) if not isinstance(got, (str, bytes)) else ()}."
            ) from None
        if not np.isfinite(w).all():
            raise ValueError("weight returned NaN or infinite values; it must map every bar to a finite number.")
        if (w < 0).any():
            j = int(np.flatnonzero(w < 0)[0])
            raise ValueError(
                f"weight returned negative values ({int((w < 0).sum())} of {w.size} bars, first {float(w[j])!r} for the "
                f"bar born at {float(birth[j])!r} with persistence {float(pers[j])!r}); a persistence image's weights must be >= 0 "
                "(Adams et al. 2017: zero on the diagonal, non-negative elsewhere)."
            )
        return w

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        pers = bars.lifetime
        w = self._weights(bars.birth, pers)
        img = image_pixels(
            bars, bars.birth, pers, w, self.birth_edges_[i], self.persistence_edges_[i], self.sigma_[i]
        )
        return img.reshape(bars.n_samples, -1)

    def _names_dim(self, i: int) -> list[str]:
        nb, npers = _pair(self.n_pixels, "n_pixels")
        return [f"H{self.dims_[i]}_image_{j}_{k}" for j in range(nb) for k in range(npers)]


class PersistentEntropy(DiagramTransformer):
    """Persistent entropy (Rucco et al. 2016; Chintakunta et al. 2015), natural log.

    With lifetimes ``l_i`` and ``L = sum l_i``, ``E = -sum (l_i / L) log(l_i / L)``
    (bars of zero length contribute nothing). ``k`` equal bars give ``log k``.
    ``normalize=True`` divides by ``log n`` (``n`` bars of positive length),
    giving a value in [0, 1]. gudhi's ``Entropy`` and persim's
    ``persistent_entropy`` use the natural log too; giotto-tda uses log2.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    normalize : bool, default=False
        Divide by ``log n``; zero when ``n <= 1``.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_ : as in :class:`BettiCurve`
    n_features_out_ : int
        One per dimension, named ``H{dim}_entropy``.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import PersistentEntropy
    >>> d = Diagrams([[[0.0, 1.0], [0.0, 1.0], [2.0, 3.0], [5.0, 6.0]]])
    >>> float(PersistentEntropy((0,)).fit_transform(d)[0, 0])  # log 4
    1.3862943611198906
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        normalize: bool = False,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.normalize = normalize
        self.infinity = infinity

    def _validate_params(self) -> None:
        check_flag(self.normalize, name="normalize")

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        # E = -sum (l/L) log(l/L) = log L - sum(l log l) / L, with 0 log 0 = 0
        n, life = bars.n_samples, bars.lifetime
        life = life / _unit(life)  # scale-invariant; keeps the sums finite at 1e300
        total = block_total(bars, life)
        s = block_total(bars, life * np.log(life + (life == 0)))
        has = total > 0
        ent = np.zeros(n)
        ent[has] = np.log(total[has]) - s[has] / total[has]
        if self.normalize:
            k = block_total(bars, life > 0)
            ent = np.divide(ent, np.log(np.maximum(k, 2)), out=np.zeros(n), where=k > 1)
        return np.maximum(ent, 0.0)[:, None]

    def _names_dim(self, i: int) -> list[str]:
        return [f"H{self.dims_[i]}_entropy"]


def _check_p(value: Any) -> tuple[float, ...]:
    ps = value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else (value,)
    if len(ps) == 0:
        raise ValueError("p must name at least one norm order, e.g. (1, 2, inf).")
    return tuple(check_real(p, name="p", min_value=1.0, allow_inf=True) for p in ps)


def _p_label(p: float) -> str:
    return "linf" if np.isinf(p) else f"l{p:g}"


class Amplitude(DiagramTransformer):
    """p-norms of the lifetimes: ``(sum_i (d_i - b_i) ** p) ** (1 / p)``.

    ``p=1`` is total persistence, ``p=inf`` the longest bar. These are norms of
    lifetimes, not giotto-tda's amplitudes (distances to the empty diagram).

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    p : float or tuple of float, default=(1, 2, inf)
        Norm orders, each ``>= 1``; one feature per order.
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_ : as in :class:`BettiCurve`
    n_features_out_ : int
        ``n_dims * len(p)``, named ``H{dim}_amplitude_l1``, ``..._l2``, ``..._linf``.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import Amplitude
    >>> d = Diagrams([[[0.0, 3.0], [1.0, 5.0]]])
    >>> Amplitude((0,)).fit_transform(d)
    array([[7., 5., 4.]])
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        p: float | Sequence[float] = (1.0, 2.0, np.inf),
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.p = p
        self.infinity = infinity

    def _validate_params(self) -> None:
        _check_p(self.p)

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        c = _unit(bars.lifetime)  # the p-norms are homogeneous: computed on life / c, scaled back
        life = bars.lifetime / c
        cols = []
        for p in _check_p(self.p):
            if np.isinf(p):
                cols.append(block_max(bars, life))
            elif p == 1.0:
                cols.append(block_total(bars, life))
            elif p == 2.0:
                cols.append(np.sqrt(block_total(bars, np.square(life))))
            else:
                cols.append(block_total(bars, life**p) ** (1.0 / p))
        with np.errstate(over="ignore"):  # a norm above 1.8e308 is inf, honestly
            return np.column_stack(cols) * c

    def _names_dim(self, i: int) -> list[str]:
        return [f"H{self.dims_[i]}_amplitude_{_p_label(p)}" for p in _check_p(self.p)]


def _check_quantiles(value: Any) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"quantiles must be a tuple of numbers in [0, 1], got {value!r}.")
    qs = tuple(check_real(q, name="quantiles", min_value=0.0) for q in value)
    if any(q > 1 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {value!r}.")
    return qs


class PersistenceStatistics(DiagramTransformer):
    """Summary statistics of lifetimes and midpoints, per dimension.

    Per dimension: the number of bars, then for the lifetimes ``d - b`` and for
    the midpoints ``(b + d) / 2`` each: sum, mean, standard deviation (population,
    ``ddof=0``), maximum and the requested quantiles (numpy's default linear
    interpolation). Empty diagrams give zeros.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    quantiles : tuple of float, default=(0.1, 0.25, 0.5, 0.75, 0.9)
        Quantile levels in [0, 1].
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_ : as in :class:`BettiCurve`
    n_features_out_ : int
        ``n_dims * (1 + 2 * (4 + len(quantiles)))``; names such as ``H1_count``,
        ``H1_lifetime_mean``, ``H0_midpoint_q90``.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import PersistenceStatistics
    >>> d = Diagrams([[[0.0, 1.0], [0.0, 3.0]]])
    >>> st = PersistenceStatistics((0,), quantiles=(0.5,)).fit(d)
    >>> dict(zip(st.get_feature_names_out()[:6], st.transform(d)[0, :6].tolist()))
    {'H0_count': 2.0, 'H0_lifetime_sum': 4.0, 'H0_lifetime_mean': 2.0, 'H0_lifetime_std': 1.0, 'H0_lifetime_max': 3.0, 'H0_lifetime_q50': 2.0}
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.quantiles = quantiles
        self.infinity = infinity

    def _validate_params(self) -> None:
        _check_quantiles(self.quantiles)

    def _describe(self, bars: Bars, values: np.ndarray) -> list[np.ndarray]:
        n, c = bars.n_samples, bars.counts
        total = block_total(bars, values)
        mean = np.divide(total, c, out=np.zeros(n), where=c > 0)
        u = _unit(values)  # the deviations' squares are taken in units of u, so they cannot overflow
        dev = block_total(bars, ((values - mean[bars.sample]) / u) ** 2)
        std = np.sqrt(np.divide(dev, c, out=np.zeros(n), where=c > 0)) * u
        qs = block_quantiles(bars, sorted_blocks(bars, values), _check_quantiles(self.quantiles))
        return [total, mean, std, block_max(bars, values), *qs.T]

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        life = self._describe(bars, bars.lifetime)
        mid = self._describe(bars, 0.5 * (bars.birth + bars.death))
        return np.column_stack([bars.counts.astype(np.float64), *life, *mid])

    def _names_dim(self, i: int) -> list[str]:
        q = [f"q{100 * v:g}" for v in _check_quantiles(self.quantiles)]
        stats = ["sum", "mean", "std", "max", *q]
        d = self.dims_[i]
        return [f"H{d}_count"] + [f"H{d}_{what}_{s}" for what in ("lifetime", "midpoint") for s in stats]


_TROPICAL_NAMES = ("top1", "top2", "top3", "top4", "total", "min_sum", "gap_sum")


class TropicalCoordinates(DiagramTransformer):
    """Tropical coordinates on barcode space (Kališnik 2019).

    Seven tropical rational functions of the bars, each invariant to the order
    of the bars. With births ``b_i``, lifetimes ``l_i = d_i - b_i`` and
    ``a_i = min(r * l_i, b_i)``:

    1. ``top1 = max_i l_i``
    2. ``top2 = max_{i<j} (l_i + l_j)``
    3. ``top3 = max_{i<j<k} (l_i + l_j + l_k)``
    4. ``top4 = max_{i<j<k<m} (l_i + l_j + l_k + l_m)``
    5. ``total = sum_i l_i``
    6. ``min_sum = sum_i min(r * l_i, b_i)``
    7. ``gap_sum = sum_i [max_j (a_j + l_j) - (a_i + l_i)]``

    These are the functions of the paper's experiments (Section 7). On barcode
    space a missing bar is a bar of length zero, so ``topk`` of a diagram with
    fewer than k bars is the sum of all its lifetimes. ``r`` trades the birth for
    a multiple of the lifetime for bars near the diagonal, which keeps the
    functions continuous (stable) in the bottleneck distance.

    Parameters
    ----------
    homology_dimensions : tuple of int or None, default=None
        Dimensions to vectorise; ``None`` takes every dimension the training
        diagrams hold (``dims_``).
    r : float or None, default=None
        The scale ``r > 0``. ``None`` fits it per dimension as the median of
        ``b_i / l_i`` over training bars with ``l_i > 0`` (1.0 when that median is
        not positive, as for Rips H0 where every birth is 0).
    infinity : {'clip', 'drop'}, default='clip'
        What to do with essential bars.

    Attributes
    ----------
    dims_, ranges_ : as in :class:`BettiCurve`
    r_ : ndarray of shape (n_dims,)
        The scale used per dimension.
    n_features_out_ : int
        ``7 * n_dims``, named ``H1_tropical_top1`` ... ``H1_tropical_gap_sum``.

    References
    ----------
    S. Kališnik, "Tropical coordinates on the space of persistence barcodes",
    Foundations of Computational Mathematics 19 (2019) 101-129.

    Examples
    --------
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import TropicalCoordinates
    >>> d = Diagrams([[[1.0, 4.0], [2.0, 3.0]]])
    >>> TropicalCoordinates((0,), r=1.0).fit_transform(d)
    array([[3., 4., 4., 4., 4., 2., 2.]])
    """

    def __init__(
        self,
        homology_dimensions: Sequence[int] | None = None,
        r: float | None = None,
        infinity: Infinity = "clip",
    ):
        self.homology_dimensions = homology_dimensions
        self.r = r
        self.infinity = infinity

    def _validate_params(self) -> None:
        if self.r is not None:
            check_real(self.r, name="r", min_value=0.0, strict=True)

    def _fit_state(self, bars: list[Bars]) -> None:
        rs = []
        for bs in bars:
            if self.r is not None:
                rs.append(float(self.r))
                continue
            life = bs.lifetime
            pos = life > 0
            med = float(np.median(bs.birth[pos] / life[pos])) if pos.any() else 0.0
            rs.append(med if med > 0 else 1.0)
        self.r_ = np.asarray(rs)

    def _transform_dim(self, i: int, bars: Bars) -> np.ndarray:
        life = bars.lifetime
        cols = list(top_sums(bars, life, 4).T)
        cols.append(block_total(bars, life))
        a = np.minimum(self.r_[i] * life, bars.birth)
        cols.append(block_total(bars, a))
        shifted = a + life
        cols.append(bars.counts * block_max(bars, shifted) - block_total(bars, shifted))
        return np.column_stack(cols)

    def _names_dim(self, i: int) -> list[str]:
        return [f"H{self.dims_[i]}_tropical_{name}" for name in _TROPICAL_NAMES]


def _default_transformers() -> list[tuple[str, Any]]:
    return [
        ("statistics", PersistenceStatistics()),
        ("entropy", PersistentEntropy()),
        ("amplitude", Amplitude()),
        ("tropical", TropicalCoordinates()),
        ("betti", BettiCurve(n_bins=16)),
        ("landscape", PersistenceLandscape(n_layers=3, n_bins=16)),
    ]


class TopologicalFeatures(TransformerMixin, BaseEstimator):
    """A union of diagram vectorisers, for probes and classifiers.

    Fits a clone of each named vectoriser and concatenates their outputs;
    feature names are prefixed with the vectoriser's name
    (``"landscape__H1_landscape_1_3"``). Nested parameters are reachable as
    ``"<name>__<param>"`` (e.g. in ``GridSearchCV``) when ``transformers`` is given.

    Parameters
    ----------
    transformers : list of (str, transformer) or None, default=None
        The vectorisers. ``None`` uses a compact default for probes:
        ``PersistenceStatistics()``, ``PersistentEntropy()``, ``Amplitude()``,
        ``TropicalCoordinates()``, ``BettiCurve(n_bins=16)`` and
        ``PersistenceLandscape(n_layers=3, n_bins=16)`` (about 70 features per
        dimension).
    homology_dimensions : tuple of int or None, default=None
        When given, overrides every vectoriser's ``homology_dimensions``.
    infinity : {'clip', 'drop'} or None, default=None
        When given, overrides every vectoriser's ``infinity``.

    Attributes
    ----------
    transformers_ : list of (str, transformer)
        The fitted clones.
    n_features_out_ : int
        Total number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Diagrams
    >>> from tda_nn.features import TopologicalFeatures
    >>> d = Diagrams([[[0.0, np.inf], [0.0, 1.0]], [[0.5, 2.0]]])
    >>> tf = TopologicalFeatures().fit(d)
    >>> tf.transform(d).shape == (1, tf.n_features_out_)
    True
    """

    def __init__(
        self,
        transformers: Sequence[tuple[str, Any]] | None = None,
        homology_dimensions: Sequence[int] | None = None,
        infinity: Infinity | None = None,
    ):
        self.transformers = transformers
        self.homology_dimensions = homology_dimensions
        self.infinity = infinity

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags

    # -- nested parameters ---------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=False)
        if deep and isinstance(self.transformers, (list, tuple)):
            for item in self.transformers:
                if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                    continue  # validated at fit
                name, est = item
                params[name] = est
                if hasattr(est, "get_params"):
                    params.update({f"{name}__{k}": v for k, v in est.get_params(deep=True).items()})
        return params

    def set_params(self, **params: Any) -> TopologicalFeatures:
        own = {k: v for k, v in params.items() if "__" not in k and k in ("transformers", "homology_dimensions", "infinity")}
        super().set_params(**own)
        rest = {k: v for k, v in params.items() if k not in own}
        if not rest:
            return self
        if self.transformers is None:
            raise ValueError(
                f"cannot set {sorted(rest)}: nested parameters need explicit transformers=[(name, estimator), ...]."
            )
        items = list(self.transformers)
        names = [name for name, _ in items]
        for key, value in rest.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise ValueError(f"invalid parameter {key!r} for TopologicalFeatures; transformers are named {names}.")
            j = names.index(name)
            if sub:
                items[j][1].set_params(**{sub: value})
            else:
                items[j] = (name, value)
        self.transformers = items
        return self

    # -- fit / transform -------------------------------------------------------------
    def _resolved(self) -> list[tuple[str, Any]]:
        items = _default_transformers() if self.transformers is None else list(self.transformers)
        if not items:
            raise ValueError("transformers must hold at least one (name, vectoriser) pair.")
        seen: set[str] = set()
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise TypeError(f"transformers must be a list of (name, vectoriser) pairs, got {item!r}.")
            name, est = item
            if "__" in name or name in seen:
                raise ValueError(f"transformer names must be unique and free of '__', got {name!r}.")
            if not (hasattr(est, "fit") and hasattr(est, "transform")):
                raise TypeError(f"transformer {name!r} must have fit and transform, got {type(est).__name__}.")
            seen.add(name)
        return items

    def fit(self, X: Any, y: Any = None) -> TopologicalFeatures:
        """Fit every vectoriser on ``X``; returns ``self``."""
        diagrams = as_diagram_list(X)
        override = {}
        if self.homology_dimensions is not None:
            override["homology_dimensions"] = self.homology_dimensions
        if self.infinity is not None:
            override["infinity"] = self.infinity
        fitted = []
        for name, est in self._resolved():
            est = clone(est).set_params(**override) if override else clone(est)
            fitted.append((name, est.fit(diagrams, y)))
        self.transformers_ = fitted
        self.n_features_out_ = sum(len(est.get_feature_names_out()) for _, est in fitted)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Concatenate every fitted vectoriser's output, ``(n_samples, n_features_out_)``."""
        check_is_fitted(self)
        diagrams = as_diagram_list(X)
        return np.hstack([est.transform(diagrams) for _, est in self.transformers_])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``"<vectoriser>__<feature>"`` in output column order."""
        check_is_fitted(self)
        return np.asarray(
            [f"{name}__{f}" for name, est in self.transformers_ for f in est.get_feature_names_out()], dtype=object
        )
