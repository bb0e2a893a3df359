"""The cover of the lens space: overlapping intervals per lens dimension, and their pre-images.

Conventions (those of kepler-mapper 2.1's ``Cover(n_cubes, perc_overlap)``, so the same
numbers give the same pre-images). For one lens dimension with values in ``[lo, hi]``,
range ``R = hi - lo``, ``n`` intervals and overlap fraction ``p``:

* the centres are ``n`` evenly spaced points from ``lo + R / (2n)`` to ``hi - R / (2n)``;
* every interval is the *closed* interval ``[c - r, c + r]`` with half-width
  ``r = R / (2 n (1 - p))``, so consecutive intervals share the fraction ``p`` of their length
  and the outer intervals stick out of ``[lo, hi]`` by ``(r - R / (2n))``.

A multi-dimensional lens is covered by the products of the per-dimension intervals (one
"cube" per tuple of interval indices); empty cubes are dropped.

``kind="balanced"`` applies the same construction to the lens's ranks (its empirical
distribution function, ties sharing their mean rank), so every interval holds about the same
number of samples wherever the lens is crowded or sparse.

A lens dimension that is constant (``R = 0``) is covered by one interval holding every sample
(kepler-mapper would repeat that interval ``n`` times, giving ``n`` copies of each node).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..validation import as_numpy

__all__ = ["Cover", "as_cover"]

_KINDS = ("uniform", "balanced")


def _per_dim(value: Any, d: int, name: str, kind: str) -> tuple:
    vals = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,) * d
    if len(vals) != d:
        raise ValueError(f"{name} must be one value or one per lens dimension ({d}), got {len(vals)} values {vals!r}.")
    return vals


@dataclass(frozen=True)
class Cover:
    """A cover of the lens space by overlapping intervals (products of intervals in 2-D and up).

    Parameters
    ----------
    n_intervals : int or sequence of int, default=10
        Intervals per lens dimension (kepler-mapper's ``n_cubes``); one value for every
        dimension or one per dimension.
    overlap : float or sequence of float, default=0.3
        Fraction of an interval shared with its neighbour, in ``[0, 1)``
        (kepler-mapper's ``perc_overlap``).
    kind : {'uniform', 'balanced'}, default='uniform'
        ``'uniform'``: intervals of equal length over the lens's range (kepler-mapper).
        ``'balanced'``: the same construction on the lens's ranks, so intervals hold equal
        numbers of samples.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Cover
    >>> cover = Cover(4, 0.25)
    >>> [m.tolist() for _, m in cover.preimages(np.array([0.0, 1, 2, 3, 10]))]
    [[0, 1, 2], [3], [4]]
    """

    n_intervals: Any = 10
    overlap: Any = 0.3
    kind: Literal["uniform", "balanced"] = "uniform"

    def __post_init__(self) -> None:
        for n in np.atleast_1d(np.asarray(self.n_intervals, dtype=object)):
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
                raise ValueError(f"n_intervals must be a positive integer (or one per lens dimension), got {self.n_intervals!r}.")
        for p in np.atleast_1d(np.asarray(self.overlap, dtype=object)):
            if isinstance(p, bool) or not isinstance(p, numbers.Real) or not (0.0 <= float(p) < 1.0):
                raise ValueError(
                    f"overlap must be a fraction in [0, 1) (kepler-mapper's perc_overlap), or one per lens "
                    f"dimension, got {self.overlap!r}."
                )
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {list(_KINDS)}, got {self.kind!r}.")

    def __repr__(self) -> str:
        return f"Cover(n_intervals={self.n_intervals!r}, overlap={self.overlap!r}, kind={self.kind!r})"

    def to_dict(self) -> dict:
        def plain(v):
            return [x.item() if hasattr(x, "item") else x for x in v] if isinstance(v, (tuple, list, np.ndarray)) else v

        return {"n_intervals": plain(self.n_intervals), "overlap": plain(self.overlap), "kind": self.kind}

    def intervals(self, lens: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """The closed intervals ``(lower, upper)`` of each lens dimension, in lens coordinates.

        For ``kind='balanced'`` the intervals are in rank coordinates (see :meth:`coordinates`).
        """
        return self._bounds(self.coordinates(lens))

    def _bounds(self, Z: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        d = Z.shape[1]
        ns = _per_dim(self.n_intervals, d, "n_intervals", self.kind)
        ps = _per_dim(self.overlap, d, "overlap", self.kind)
        out = []
        for j in range(d):
            lo, hi = float(Z[:, j].min()), float(Z[:, j].max())
            n, p = int(ns[j]), float(ps[j])
            rng = hi - lo
            if rng == 0.0:
                out.append((np.array([lo]), np.array([hi])))
                continue
            # the same arithmetic as kepler-mapper, so the bounds agree to the last bit
            inner = ((n - 1) / n) * rng
            inset = (rng - inner) / 2
            radius = rng / (2 * n * (1 - p))
            centers = np.linspace(lo + inset, hi - inset, num=n)
            out.append((centers - radius, centers + radius))
        return out

    def coordinates(self, lens: Any) -> np.ndarray:
        """The lens as the cover sees it: as given (uniform) or as ranks in [0, 1] (balanced)."""
        Z = check_lens(lens)
        if self.kind == "balanced":
            from scipy.stats import rankdata

            Z = rankdata(Z, axis=0) / Z.shape[0]
        return Z

    def preimages(self, lens: Any) -> list[tuple[tuple[int, ...], np.ndarray]]:
        """Non-empty pre-images of the cover's cubes: ``[(cube index tuple, sorted sample indices), ...]``.

        Cubes are listed in lexicographic order of their index tuples.
        """
        Z = self.coordinates(lens)
        bounds = self._bounds(Z)
        # membership of every sample in every interval, per dimension
        inside = [(Z[:, j, None] >= lo[None, :]) & (Z[:, j, None] <= hi[None, :]) for j, (lo, hi) in enumerate(bounds)]
        out: list[tuple[tuple[int, ...], np.ndarray]] = []
        all_idx = np.arange(Z.shape[0])

        def walk(j: int, key: tuple[int, ...], idx: np.ndarray) -> None:
            if j == len(inside):
                out.append((key, idx))
                return
            block = inside[j][idx]
            for i in range(block.shape[1]):
                sub = idx[block[:, i]]
                if sub.size:
                    walk(j + 1, key + (i,), sub)

        walk(0, (), all_idx)
        return out


def check_lens(lens: Any, n_samples: int | None = None) -> np.ndarray:
    """A lens as a finite float64 array of shape (n_samples, n_dims)."""
    Z = as_numpy(lens, name="lens")
    if Z.ndim == 1:
        Z = Z[:, None]
    if Z.ndim != 2:
        raise ValueError(f"lens must have shape (n_samples,) or (n_samples, n_dims), got shape {Z.shape}.")
    if Z.shape[1] == 0 or Z.shape[0] == 0:
        raise ValueError(f"lens must hold at least one sample and one dimension, got shape {Z.shape}.")
    if n_samples is not None and Z.shape[0] != n_samples:
        raise ValueError(f"lens must have one row per sample of X ({n_samples}), got {Z.shape[0]} rows.")
    Z = Z.astype(np.float64)
    if not np.isfinite(Z).all():
        raise ValueError(f"lens must be finite, got {int((~np.isfinite(Z)).sum())} NaN or infinite values.")
    return Z


def as_cover(cover: Any) -> Cover:
    """A ``Cover`` from a ``Cover``, a tuple ``(n_intervals, overlap)`` or ``(n_intervals, overlap, kind)``."""
    if isinstance(cover, Cover):
        return cover
    if isinstance(cover, tuple) and len(cover) in (2, 3):
        return Cover(*cover)
    if hasattr(cover, "n_cubes") and hasattr(cover, "perc_overlap"):
        return Cover(cover.n_cubes, cover.perc_overlap)
    raise TypeError(
        f"cover must be a tda_nn.Cover, a tuple (n_intervals, overlap) or None, got {type(cover).__name__} {cover!r}."
    )
