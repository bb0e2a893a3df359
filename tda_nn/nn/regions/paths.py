"""Exact count of activation regions along straight segments and polylines."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...validation import check_int, check_real, find_stack_level
from ._common import _readonly, _row_ids
from ._probe import _inputs, _point, _Probe

__all__ = ['PathRegions', 'regions_on_path']


@dataclass(frozen=True, repr=False)
class PathRegions:
    """Linear regions crossed by a segment or polyline.

    The path is parametrised by ``t`` in ``[0, n_segments]``: segment ``s`` runs from
    ``vertices[s]`` (``t = s``) to ``vertices[s + 1]`` (``t = s + 1``), linearly.

    Attributes
    ----------
    n_regions : int
        Pieces of the path in one region (a region left and re-entered by a polyline
        counts twice); ``len(crossings) + 1``.
    n_distinct : int
        Distinct activation patterns met.
    counts : ndarray of shape (n_layers,)
        ``n_regions`` by the patterns of layers ``0..l`` (non-decreasing).
    crossings : ndarray of shape (n_crossings,)
        Parameters ``t`` of the region boundaries, each within ``tol`` of a true one.
    crossing_layer : ndarray of shape (n_crossings,)
        Index of the first layer whose pattern changes at each crossing.
    layers, n_units : tuple
    vertices : ndarray of shape (n_segments + 1, *input_shape)
    tol : float
    n_evaluations : int
        Inputs the model was run on.
    """

    n_regions: int
    n_distinct: int
    counts: np.ndarray
    crossings: np.ndarray
    crossing_layer: np.ndarray
    layers: tuple[str, ...]
    n_units: tuple[int, ...]
    vertices: np.ndarray
    tol: float
    n_evaluations: int

    def locate(self, t: Any) -> np.ndarray:
        """Input points at path parameters ``t``, ndarray of shape (len(t), *input_shape)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        V = self.vertices.reshape(len(self.vertices), -1)
        s = np.clip(np.floor(t).astype(int), 0, len(V) - 2)
        r = (t - s)[:, None]
        return ((1 - r) * V[s] + r * V[s + 1]).reshape(len(t), *self.vertices.shape[1:])

    def __repr__(self) -> str:
        return (f"PathRegions(n_regions={self.n_regions}, n_distinct={self.n_distinct}, "
                f"counts={self.counts.tolist()}, segments={len(self.vertices) - 1}, tol={self.tol:g})")


def _differ(B: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (B[i] != B[j]).any(axis=1)


def _trace(probe: _Probe, A: np.ndarray, Bend: np.ndarray, *, n_samples: int, tol: float, max_depth: int,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Patterns along segments ``A[k] -> Bend[k]``, refined until every change is bracketed within ``tol``.

    Returns segment index, parameter ``t`` in [0, 1] and packed patterns of every
    evaluated point, sorted by (segment, t).
    """
    m = len(A)
    D = Bend - A
    seg = np.repeat(np.arange(m), n_samples)
    t = np.tile(np.linspace(0.0, 1.0, n_samples), m)
    bits, _ = probe(A[seg] + t[:, None] * D[seg])
    lo = np.flatnonzero(np.tile(np.arange(n_samples) < n_samples - 1, m))
    hi = lo + 1
    keep = _differ(bits, lo, hi) & (t[hi] - t[lo] > tol)
    lo, hi = lo[keep], hi[keep]
    depth = 0
    while lo.size and depth < max_depth:
        tm = 0.5 * (t[lo] + t[hi])
        sm = seg[lo]
        bm, _ = probe(A[sm] + tm[:, None] * D[sm])
        mid = np.arange(len(t), len(t) + len(tm))
        t, seg, bits = np.concatenate([t, tm]), np.concatenate([seg, sm]), np.concatenate([bits, bm])
        left, right = _differ(bits, lo, mid), _differ(bits, mid, hi)
        lo, hi = np.concatenate([lo[left], mid[right]]), np.concatenate([mid[left], hi[right]])
        keep = t[hi] - t[lo] > tol
        lo, hi = lo[keep], hi[keep]
        depth += 1
    if lo.size:
        warnings.warn(
            f"max_depth={max_depth} bisection steps left {lo.size} boundary crossing(s) located only to "
            f"{float((t[hi] - t[lo]).max()):.3g} in t (tol={tol:g}); raise max_depth or tol.",
            UserWarning,
            stacklevel=find_stack_level(),
        )
    order = np.lexsort((t, seg))
    return seg[order], t[order], bits[order]


def _layer_changes(bits: np.ndarray, offsets: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """(k, n_layers) bool: whether the patterns of layers ``0..l`` differ between rows i and j."""
    diff = bits[i] != bits[j]
    if diff.shape[0] == 0:
        return np.zeros((0, len(offsets) - 1), dtype=bool)
    per_layer = np.logical_or.reduceat(diff, offsets[:-1], axis=1)
    return np.logical_or.accumulate(per_layer, axis=1)


def _path_defaults(n_samples: Any, tol: Any, max_depth: Any, batch_size: Any) -> tuple[int, float, int, int]:
    return (
        check_int(n_samples, name="n_samples", min_value=2),
        check_real(tol, name="tol", min_value=0.0, strict=True),
        check_int(max_depth, name="max_depth", min_value=0),
        check_int(batch_size, name="batch_size", min_value=1),
    )


def regions_on_path(
    model: Any,
    a: Any = None,
    b: Any = None,
    *,
    points: Any = None,
    tol: float = 1e-6,
    n_samples: int = 64,
    max_depth: int = 60,
    layers: Any = None,
    batch_size: int = 4096,
) -> PathRegions:
    """Count the linear regions crossed by the segment ``a -> b`` (or a polyline through ``points``).

    Each segment is first sampled at ``n_samples`` evenly spaced parameters; every pair
    of neighbouring samples whose activation patterns differ is bisected, level by
    level (all intervals of a level in one batched forward pass), until each change is
    bracketed in an interval of width at most ``tol`` (in ``t``, one unit per
    segment); the crossing is reported at its midpoint.

    **Guarantee.** Every activation region is convex, so two samples on a segment with
    the same pattern have only that pattern between them: dropping such an interval
    never misses a boundary, however close boundaries lie to each other. A boundary
    can be missed only inside a final interval (width <= ``tol``), i.e. when the path
    spends less than ``tol`` in a region; then the regions in that interval count as
    one crossing. The guarantee needs the recorded ReLU-type modules to be the model's
    only nonlinearities (a warning says when they are not). Inputs are cast to the
    model's dtype, so ``tol`` below its resolution (about 1e-7 relative for float32)
    gains nothing.

    Parameters
    ----------
    model : torch.nn.Module
    a, b : array-like of the model's input shape
        Endpoints of the segment.
    points : array-like of shape (n_points, *input_shape), optional
        Vertices of a polyline (e.g. data points), instead of ``a``, ``b``.
    tol : float, default=1e-6
        Width in ``t`` to which each crossing is located.
    n_samples : int, default=64
        Initial samples per segment (endpoints included).
    max_depth : int, default=60
        Most bisection levels; a warning says when crossings are left coarser than ``tol``.
    layers : optional
        Modules to read, as in :func:`activation_patterns`.
    batch_size : int, default=4096

    Returns
    -------
    PathRegions

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.fill_(1.0); _ = net[0].bias.copy_(torch.tensor([0.0, -1.0, -2.0]))
    >>> r = regions_on_path(net, [-1.0], [3.0])     # kinks at x = 0, 1, 2
    >>> r.n_regions, np.round(r.locate(r.crossings).ravel(), 4).tolist()
    (4, [0.0, 1.0, 2.0])
    """
    n_samples, tol, max_depth, batch_size = _path_defaults(n_samples, tol, max_depth, batch_size)
    if points is not None:
        if a is not None or b is not None:
            raise ValueError("pass either a and b or points, not both.")
        V = _inputs(points, "points", min_rows=2)
        name = "points"
    else:
        if a is None or b is None:
            raise ValueError("regions_on_path needs both endpoints a and b, or points=(polyline vertices).")
        a, b = _point(a, "a"), _point(b, "b")
        if a.shape != b.shape:
            raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}.")
        V = np.stack([a, b])
        name = "a"
    flat = V.reshape(len(V), -1)
    with _Probe(model, layers, V.shape[1:], batch_size, name) as probe:
        seg, t, bits = _trace(probe, flat[:-1], flat[1:], n_samples=n_samples, tol=tol, max_depth=max_depth)
    t = seg + t  # global parameter; vertices appear twice (end of one segment, start of the next)
    i, j = np.arange(len(t) - 1), np.arange(1, len(t))
    changes = _layer_changes(bits, probe.offsets, i, j)
    cross = changes[:, -1]
    return PathRegions(
        n_regions=int(cross.sum()) + 1,
        n_distinct=_row_ids(bits)[1],
        counts=_readonly(changes.sum(axis=0).astype(np.int64) + 1),
        crossings=_readonly(0.5 * (t[i] + t[j])[cross]),
        crossing_layer=_readonly(np.argmax(changes[cross], axis=1).astype(np.int64)),
        layers=tuple(probe.layers or ()),
        n_units=probe.n_units,
        vertices=_readonly(V),
        tol=tol,
        n_evaluations=len(t),
    )


# -- planes --------------------------------------------------------------------------------------
