"""Activation regions on a 2-D slice of input space (grid method: a lower bound)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ...budgets import parse_memory
from ...validation import as_numpy, check_choice, check_int, find_stack_level
from ._common import _cumulative_ids, _readonly, region_bound
from ._probe import _plane, _Probe, check_region_model
from .patterns import ActivationPatterns

__all__ = ['PlaneRegions', 'regions_on_plane']


@dataclass(frozen=True, repr=False)
class PlaneRegions:
    """Activation regions on a 2-D slice ``origin + s * u + t * v`` of the input space.

    Attributes
    ----------
    labels : ndarray of shape (resolution, resolution), int32
        Region id of each grid point; row ``i`` is ``t[i]``, column ``j`` is ``s[j]``
        (``imshow(labels, origin='lower', extent=extent)`` draws it).
    n_regions : int
        Distinct activation patterns on the grid.
    counts : ndarray of shape (n_layers,)
        Distinct patterns of layers ``0..l`` on the grid.
    predicted : ndarray of shape (resolution, resolution), int64
        The model's predicted class (argmax of its output; ``output > 0`` for one output).
    s, t : ndarray of shape (resolution,)
        Grid coordinates along ``u`` and ``v``.
    extent : tuple of float
        ``(s_min, s_max, t_min, t_max)``.
    origin, u, v : ndarray of shape (n_features,)
        The plane, flattened.
    input_shape : tuple of int
    anchors : ndarray of shape (3, 2) or None
        Plane coordinates of the three data points that defined it.
    representatives : ActivationPatterns
        One pattern per region, in region-id order.
    layers, n_units : tuple
    method : str
        ``'grid'``: regions are counted by sampling the plane on a
        ``resolution x resolution`` grid.
    lower_bound : bool
        ``True`` for ``method='grid'``: ``n_regions`` (and ``counts``) count only the
        regions that some grid point falls in, so they are LOWER BOUNDS; small or thin
        regions between grid points are missed (a finer grid finds more).
    resolution : int
        Grid points per side (a property of ``labels``).
    """

    labels: np.ndarray
    n_regions: int
    counts: np.ndarray
    predicted: np.ndarray
    s: np.ndarray
    t: np.ndarray
    extent: tuple[float, float, float, float]
    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    input_shape: tuple[int, ...]
    anchors: np.ndarray | None
    representatives: ActivationPatterns
    layers: tuple[str, ...]
    n_units: tuple[int, ...]
    method: str = "grid"
    lower_bound: bool = True

    @property
    def resolution(self) -> int:
        """Grid points per side of the sampled plane."""
        return int(self.labels.shape[0])

    def project(self, X: Any) -> np.ndarray:
        """Plane coordinates ``(s, t)`` of the orthogonal projections of ``X``, shape (n, 2)."""
        X = as_numpy(X, name="X", dtype=np.float64)
        X = X.reshape(len(X), -1) if X.ndim > 1 else X.reshape(1, -1)
        if X.shape[1] != self.origin.size:
            raise ValueError(f"X must have {self.origin.size} features per row, got shape {X.shape}.")
        M = np.column_stack([self.u, self.v])
        return np.linalg.lstsq(M, (X - self.origin).T, rcond=None)[0].T

    @property
    def bound(self) -> int:
        """Product bound on the regions of a 2-D slice, :func:`region_bound` ``(n_units, 2)``."""
        return region_bound(self.n_units, 2)

    def __repr__(self) -> str:
        r = self.labels.shape[0]
        at_least = ">=" if self.lower_bound else ""
        return (f"PlaneRegions(n_regions{at_least}={self.n_regions}, counts={self.counts.tolist()}, "
                f"method={self.method!r}, resolution={r})")


def regions_on_plane(
    model: Any,
    origin: Any = None,
    u: Any = None,
    v: Any = None,
    *,
    points: Any = None,
    extent: Sequence[float] | None = None,
    resolution: int = 256,
    max_memory: int | float | str | None = None,
    layers: Any = None,
    batch_size: int = 4096,
    method: Literal["auto", "exact", "grid"] = "auto",
    max_regions: int = 100_000,
) -> Any:
    """Activation regions on the 2-D slice ``origin + s * u + t * v`` of the input space.

    Two methods:

    * ``method='exact'``: the exact partition into convex polygons
      (:func:`~tda_nn.nn.regions.exact.plane_partition`), for models of affine layers
      and piecewise-linear activations (ReLU-type, max pooling); returns an
      :class:`~tda_nn.nn.regions.exact.ExactPlaneRegions` whose ``n_regions`` is the
      exact count (up to the stated tolerance). Refuses other models by name, and
      windows whose estimated count exceeds ``max_regions``.
    * ``method='grid'``: the fast approximation below; its ``n_regions`` is a **lower
      bound** (regions thinner than the grid spacing are missed) and the result says so
      (``.method == 'grid'``, ``.lower_bound``, ``.resolution``).
    * ``method='auto'`` (default): exact where the model allows it and the window's
      estimated count is within ``max_regions``; otherwise the grid, with a warning
      saying why.

    The grid method runs the model on a ``resolution x resolution`` grid over ``extent``; grid points
    with the same activation pattern get the same label. Regions are convex, so their
    traces on the plane are convex polygons and every distinct pattern is one
    connected patch: ``n_regions`` is the number of regions meeting the window,
    except those too thin to hold a grid point.

    Parameters
    ----------
    model : torch.nn.Module
    origin, u, v : array-like of the model's input shape, optional
        The plane; ``u`` and ``v`` are used as given (not normalised).
    points : array-like of shape (3, *input_shape), optional
        Three inputs (e.g. data points) spanning the plane: ``origin = points[0]``,
        ``u``, ``v`` orthonormal (Gram-Schmidt of ``points[1] - points[0]``,
        ``points[2] - points[0]``), so plane coordinates are input-space distances.
    extent : (s_min, s_max, t_min, t_max), optional
        Default: the bounding box of the three points padded by half its larger
        side, or ``(-1, 1, -1, 1)`` with ``origin, u, v``.
    resolution : int, default=256
    max_memory : int, float or str, optional
        Budget in bytes (or like ``"2GiB"``) for the grid's patterns; default half the RAM.
    layers : optional
        Modules to read, as in :func:`activation_patterns`.
    batch_size : int, default=4096

    Returns
    -------
    PlaneRegions
        ``n_regions`` is a LOWER BOUND (``lower_bound=True``, ``method='grid'``): only
        regions that a grid point falls in are counted, and a 12-unit layer can have
        many more than a 1024 x 1024 grid sees.

    Raises
    ------
    MemoryBudgetError
        (a ``ValueError``) when the grid's patterns would exceed ``max_memory``.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(2)); _ = net[0].bias.zero_()
    >>> regions_on_plane(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], resolution=32).n_regions  # 4 quadrants
    4
    """
    from ...budgets import format_bytes
    from ...validation import MemoryBudgetError

    method = check_choice(method, name="method", choices=("auto", "exact", "grid"))
    max_regions = check_int(max_regions, name="max_regions", min_value=1)
    check_region_model(model)  # a module with real, finite weights, whichever method runs
    if method != "grid":
        from .exact import exact_support, regions_on_plane_exact

        why = exact_support(model) if layers is None else "layers= selects modules, which only the grid method reads"
        if why is None:
            try:
                return regions_on_plane_exact(model, origin, u, v, points=points, extent=extent,
                                              max_regions=max_regions, max_memory=max_memory)
            except (MemoryBudgetError, ValueError) as exc:
                if method == "exact" or not ("max_regions" in str(exc) or isinstance(exc, MemoryBudgetError)):
                    raise
                why = str(exc).split(";")[0]
        elif method == "exact":
            raise ValueError(f"method='exact': {why}")
        warnings.warn(f"regions_on_plane: the exact method does not apply ({why}); counting on a "
                      f"{resolution} x {resolution} grid instead, which gives a lower bound.",
                      UserWarning, stacklevel=find_stack_level())
    resolution = check_int(resolution, name="resolution", min_value=2)
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    budget = parse_memory(max_memory)
    origin, u, v, anchors, ext, shape = _plane(origin, u, v, points, extent)
    name = "points" if anchors is not None else "origin"
    s_grid = np.linspace(ext[0], ext[1], resolution)
    t_grid = np.linspace(ext[2], ext[3], resolution)
    with _Probe(model, layers, shape, batch_size, name) as probe:
        probe(origin[None])  # learn the layers, to size the grid
        n_bytes = int(probe.offsets[-1])
        per_pixel = 2 * n_bytes + 28  # patterns, their sorted copy, labels, ids, predictions
        needed = resolution**2 * per_pixel + min(batch_size, resolution**2) * origin.size * 16
        if needed > budget:
            fits = int(math.isqrt(max(int(budget) // per_pixel, 0)))
            raise MemoryBudgetError(
                f"resolution={resolution} needs about {format_bytes(needed)} ({resolution}x{resolution} grid "
                f"points x {n_bytes} bytes of patterns for {sum(probe.n_units)} units), above "
                f"max_memory={format_bytes(budget)}. Use resolution <= {fits} or raise max_memory."
            )
        rows = []
        pred_rows = []
        step = max(1, batch_size // resolution)
        for i in range(0, resolution, step):  # a block of grid rows per forward pass
            tt = t_grid[i : i + step]
            S, T = np.meshgrid(s_grid, tt)
            Xf = origin + S.reshape(-1, 1) * u + T.reshape(-1, 1) * v
            B, pr = probe(Xf, predict=True)
            rows.append(B)
            pred_rows.append(pr)
    bits = np.concatenate(rows)
    cum = _cumulative_ids(probe.split(bits))
    labels, k = cum[-1]
    first = np.unique(labels, return_index=True)[1]  # first grid point of each region, by id
    reps = ActivationPatterns(tuple(probe.layers or ()), probe.split(bits[first]), probe.n_units, k)
    return PlaneRegions(
        labels=_readonly(labels.reshape(resolution, resolution).astype(np.int32)),
        n_regions=k,
        counts=_readonly(np.array([c for _, c in cum], dtype=np.int64)),
        predicted=_readonly(np.concatenate(pred_rows).reshape(resolution, resolution)),
        s=_readonly(s_grid),
        t=_readonly(t_grid),
        extent=ext,  # type: ignore[arg-type]
        origin=_readonly(origin),
        u=_readonly(u),
        v=_readonly(v),
        input_shape=shape,
        anchors=None if anchors is None else _readonly(anchors),
        representatives=reps,
        layers=tuple(probe.layers or ()),
        n_units=probe.n_units,
    )


# -- density near data ---------------------------------------------------------------------------
