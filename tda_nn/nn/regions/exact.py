"""The exact partition of a plane by the activation regions of a piecewise-linear network.

A network built from affine layers (Linear, convolutions with any padding mode,
BatchNorm in eval mode, average pooling, flattening, padding, dropout in eval mode,
residual sums) and piecewise-linear activations (ReLU, LeakyReLU, PReLU, RReLU in eval
mode, max pooling) is affine on each cell of a partition of its input space into
convex polyhedra. On a 2-D slice ``x(s, t) = origin + s * u + t * v`` the cells are
convex polygons, found here exactly, layer by layer:

1. the window is one polygon, and the input is the affine map ``(s, t) -> x(s, t)``;
2. an affine layer maps affine maps to affine maps: on each polygon the layer's input
   is stored as its values ``(b, a_s, a_t)`` (``x = b + s a_s + t a_t``) and the layer
   ``f`` is applied to ``b`` and, through its linear part ``f(a) - f(0)``, to ``a_s``
   and ``a_t``, in float64;
3. at a ReLU-type layer each unit's pre-activation is affine on each polygon, so its
   zero set is a line: the polygon is cut along every line that crosses it, and on
   each piece the activation is a fixed diagonal map (slope 1 or the negative slope);
4. at a max-pooling layer each output is the maximum of the affine functions in its
   window; the polygon is cut into the cells of their upper envelope (where one
   candidate is the largest, an intersection of half-planes) and on each cell the
   output is that candidate.

The *activation pattern* of a polygon is the sign ``z > 0`` of every ReLU-type unit and
the input unit chosen by every max-pooling output; distinct polygons have distinct
patterns (the set of a pattern is convex).

**Arithmetic.** float64 throughout (the model is copied and cast). A vertex whose value
of the cut function is within ``tol`` times that function's largest absolute value on
the polygon counts as on the line, and a cut that would leave a piece narrower than
``tol`` times the window's diagonal (width measured as twice the area over the
perimeter) is not made: the sliver stays with its neighbour (for max pooling an
envelope cell that thin is dropped). With the default ``tol = 1e-9``
that is far below any grid a figure could show.

References: Humayun, Balestriero, Balakrishnan, Baraniuk, "SplineCam: Exact
visualization and characterization of deep network geometry and decision boundaries",
CVPR 2023 (the same layer-by-layer cutting); Hanin and Rolnick, ICML 2019.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...budgets import parse_memory
from ...validation import as_numpy, check_int, check_real, find_stack_level
from ._exact_types import ExactPlaneRegions, Polygon, _readonly
from ._exact_walk import _check_graph, _trace, _Walk
from ._probe import _plane

__all__ = ["ExactPlaneRegions", "Polygon", "exact_support", "plane_partition", "regions_on_plane_exact"]


# -- entry points --------------------------------------------------------------------------------
def _input_map(origin: np.ndarray, u: np.ndarray, v: np.ndarray, shape: tuple[int, ...]) -> Any:
    """The input as an affine map of ``(s, t)``: values ``(origin, u, v)``, shape (1, 3, *shape)."""
    import torch

    return torch.as_tensor(np.stack([origin, u, v]).reshape(1, 3, *shape), dtype=torch.float64)


def exact_support(model: Any) -> str | None:
    """Why the exact method cannot take ``model``, or ``None`` when it can (cheap: a trace, no forward pass).

    For ``regions_on_plane(method='auto')``: exact where this returns ``None``, the grid
    otherwise, saying why.

    Examples
    --------
    >>> import torch
    >>> exact_support(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())) is None
    True
    >>> exact_support(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()))
    "Tanh at layer '1' is not piecewise linear; use method='grid'."
    """
    try:
        _check_graph(_trace(model))
    except ValueError as exc:
        return str(exc)
    return None


def _patterns_at(gm: Any, origin: np.ndarray, u: np.ndarray, v: np.ndarray, shape: tuple[int, ...],
                 pts: np.ndarray) -> np.ndarray:  # fmt: skip
    """Activation patterns at plane points, one int64 row each, by the same walk (values only)."""
    import torch

    X = torch.as_tensor(origin + pts[:, :1] * u + pts[:, 1:] * v, dtype=torch.float64)
    w = _Walk(gm, X.reshape(len(pts), 1, *shape), [p[None] for p in pts], split=False, tol=0.0,
              min_width=0.0, max_regions=len(pts))  # fmt: skip
    w.run()
    if not w.patterns:
        return np.zeros((len(pts), 1), dtype=np.int64)
    return np.concatenate([p.reshape(len(pts), -1).astype(np.int64) for p in w.patterns], axis=1)


def _estimate(gm: Any, origin: np.ndarray, u: np.ndarray, v: np.ndarray, shape: tuple[int, ...],
              ext: tuple[float, ...]) -> tuple[int, str]:  # fmt: skip
    """Regions in the window, estimated before the work, and how.

    The larger of two figures: the distinct patterns on a 32 x 32 grid times their
    growth from 16 x 16 (right when the grid resolves the regions), and
    ``n_h n_v / 2 + n_h + n_v + 1`` from the mean boundary crossings ``n_h``, ``n_v`` of
    five horizontal and five vertical lines sampled at 512 points (the count of an
    arrangement of straight lines; right when the grid is saturated).
    """
    s0, s1, t0, t1 = ext
    counts = []
    for res in (16, 32):
        s, t = np.meshgrid(np.linspace(s0, s1, res), np.linspace(t0, t1, res))
        rows = np.ascontiguousarray(_patterns_at(gm, origin, u, v, shape, np.column_stack([s.ravel(), t.ravel()])))
        counts.append(len(np.unique(rows.view(np.dtype((np.void, rows.shape[1] * 8))))))
    k16, k32 = counts
    x = np.linspace(0.0, 1.0, 512)
    q = np.linspace(0.1, 0.9, 5)
    pts = np.concatenate(
        [np.column_stack([s0 + x * (s1 - s0), np.full(512, t0 + f * (t1 - t0))]) for f in q]
        + [np.column_stack([np.full(512, s0 + f * (s1 - s0)), t0 + x * (t1 - t0)]) for f in q]
    )
    rows = _patterns_at(gm, origin, u, v, shape, pts).reshape(10, 512, -1)
    cross = (rows[:, 1:] != rows[:, :-1]).any(axis=2).sum(axis=1)
    nh, nv = float(cross[:5].mean()), float(cross[5:].mean())
    by_grid = k32 * max(1.0, k32 / k16)
    by_lines = nh * nv / 2 + nh + nv + 1
    how = (f"{k32} distinct patterns on a 32x32 grid ({k16} on 16x16); {nh:.1f} and {nv:.1f} boundary crossings "
           "on horizontal and vertical lines")  # fmt: skip
    return int(math.ceil(max(by_grid, by_lines))), how


def plane_partition(
    model: Any,
    origin: Any,
    u: Any,
    v: Any,
    *,
    extent: Sequence[float] = (-1.0, 1.0, -1.0, 1.0),
    max_regions: int = 100_000,
    max_memory: int | float | str | None = None,
    tol: float = 1e-9,
    anchors: Any = None,
) -> ExactPlaneRegions:
    """The exact partition of the slice ``origin + s * u + t * v`` over ``extent`` into activation regions.

    See the module's notes for the algorithm and the tolerance. Before the work, the
    number of regions is estimated from the distinct patterns on 16 x 16 and 32 x 32
    grids (the 32 x 32 count times its growth from 16 x 16); a window whose estimate
    exceeds ``max_regions`` is refused, and so is one whose cutting passes it.

    Parameters
    ----------
    model : torch.nn.Module
        Affine and piecewise-linear steps only (see the module's notes); it is copied,
        cast to float64 and run in eval mode, and the original is left untouched. Its
        forward is traced with ``torch.fx``.
    origin, u, v : array-like of the model's input shape
    extent : (s_min, s_max, t_min, t_max), default=(-1, 1, -1, 1)
    max_regions : int, default=100_000
    max_memory : int, float or str, optional
        Budget in bytes (or like ``"2GiB"``) for the pieces' affine maps; default half
        the RAM. Each piece carries ``3 x`` the units of every layer still in use, in
        float64, so a CNN's window of 10^5 regions can need gigabytes.
    tol : float, default=1e-9
        Relative tolerance: of a cut function's values (to its largest on the polygon)
        and of a piece's width (to the window's diagonal).
    anchors : array-like of shape (3, 2), optional
        Plane coordinates of points to mark in figures.

    Returns
    -------
    ExactPlaneRegions

    Raises
    ------
    ValueError
        A step is not piecewise linear or not supported (named, with its layer), or
        the window holds more than ``max_regions`` regions (with the estimate).
    MemoryBudgetError
        (a ``ValueError``) when the pieces would exceed ``max_memory``.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    ...     _ = net[0].bias.copy_(torch.tensor([0.0, 0.0, -0.5]))
    >>> plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]).n_regions  # 3 lines, 3 crossings: 1 + 3 + 3
    7
    """
    o = as_numpy(origin, name="origin", dtype=np.float64)
    shape = tuple(int(s) for s in o.shape)
    o = o.ravel()
    u = as_numpy(u, name="u", dtype=np.float64).ravel()
    v = as_numpy(v, name="v", dtype=np.float64).ravel()
    for nm, vec in (("origin", o), ("u", u), ("v", v)):
        if not np.isfinite(vec).all():
            raise ValueError(f"{nm} contains NaN or infinite values.")
    for nm, vec in (("u", u), ("v", v)):
        if vec.size != o.size:
            raise ValueError(f"{nm} must have {o.size} entries like origin, got {vec.size}.")
    if np.linalg.matrix_rank(np.column_stack([u, v])) < 2:
        raise ValueError("u and v must be linearly independent to span a plane.")
    ext = as_numpy(extent, name="extent", dtype=np.float64).ravel()
    if ext.size != 4 or not np.isfinite(ext).all() or ext[0] >= ext[1] or ext[2] >= ext[3]:
        raise ValueError(f"extent must be (s_min, s_max, t_min, t_max) with min < max, got {tuple(ext)}.")
    ext_t = tuple(float(e) for e in ext)
    max_regions = check_int(max_regions, name="max_regions", min_value=1)
    tol = check_real(tol, name="tol", min_value=0.0)
    max_bytes = parse_memory(max_memory)
    gm = _trace(model)
    _check_graph(gm)
    try:
        estimate, how = _estimate(gm, o, u, v, shape, ext_t)
    except RuntimeError as exc:
        raise ValueError(f"origin: the model could not run on inputs of shape {shape}: {exc}") from exc
    if estimate > max_regions:
        raise ValueError(
            f"max_regions: the window is estimated to hold about {estimate} regions ({how}), above "
            f"max_regions={max_regions}; shrink extent, raise max_regions, or use method='grid' (a lower bound)."
        )
    window = np.array([[ext[0], ext[2]], [ext[1], ext[2]], [ext[1], ext[3]], [ext[0], ext[3]]])
    min_width = tol * float(np.hypot(ext[1] - ext[0], ext[3] - ext[2]))  # the narrowest piece kept
    walk = _Walk(gm, _input_map(o, u, v, shape), [window], split=True, tol=tol, min_width=min_width,
                 max_regions=max_regions, max_bytes=max_bytes)  # fmt: skip
    walk.run()
    if not walk.layers:
        warnings.warn("model has no ReLU-type or max-pooling step: it is affine, one region.", UserWarning,
                      stacklevel=find_stack_level())  # fmt: skip
    patterns = tuple(_readonly(p) for p in walk.patterns)
    polys = tuple(Polygon(_readonly(V), tuple(p[k] for p in patterns)) for k, V in enumerate(walk.verts))
    return ExactPlaneRegions(
        polygons=polys,
        n_regions=len(polys),
        counts=_readonly(np.array(walk.counts, dtype=np.int64)),
        layers=tuple(walk.layers),
        kinds=tuple(walk.kinds),
        n_units=tuple(walk.n_units),
        extent=ext_t,  # type: ignore[arg-type]
        origin=_readonly(o),
        u=_readonly(u),
        v=_readonly(v),
        input_shape=shape,
        anchors=None if anchors is None else _readonly(as_numpy(anchors, name="anchors", dtype=np.float64)),
        patterns=patterns,
        tol=tol,
        estimate=estimate,
    )


def regions_on_plane_exact(
    model: Any,
    origin: Any = None,
    u: Any = None,
    v: Any = None,
    *,
    points: Any = None,
    extent: Sequence[float] | None = None,
    max_regions: int = 100_000,
    max_memory: int | float | str | None = None,
    tol: float = 1e-9,
) -> ExactPlaneRegions:
    """``regions_on_plane(..., method='exact')``: the plane as there (``origin, u, v`` or three ``points``).

    With ``points`` the plane goes through the three inputs with orthonormal ``u, v``
    and the default extent is their bounding box padded by half its larger side, as
    in :func:`tda_nn.regions_on_plane`. See :func:`plane_partition`.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(2)); _ = net[0].bias.zero_()
    >>> regions_on_plane_exact(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]).n_regions  # 4 quadrants
    4
    """
    o, uu, vv, anchors, ext, shape = _plane(origin, u, v, points, extent)
    return plane_partition(model, o.reshape(shape), uu, vv, extent=ext, max_regions=max_regions,
                           max_memory=max_memory, tol=tol, anchors=anchors)  # fmt: skip
