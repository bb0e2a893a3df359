"""Distance from data points to the nearest region boundary."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ...budgets import check_budget
from ...validation import check_choice, check_int, check_real
from ._common import _readonly
from ._probe import _inputs, _Probe
from .paths import _layer_changes

__all__ = ['BoundaryDistance', 'distance_to_boundary']


@dataclass(frozen=True, repr=False)
class BoundaryDistance:
    """Distance from each sample to the nearest boundary of its activation region.

    Attributes
    ----------
    distances : ndarray of shape (n_samples,)
        Euclidean distance in input space (flattened); ``inf`` when no boundary was found.
    layer : ndarray of shape (n_samples,)
        Index of the layer whose unit defines that boundary (-1 when none).
    unit : ndarray of shape (n_samples,)
        Unit index within that layer (``method='exact'``; -1 for ``'search'``).
    method : {'exact', 'search'}
    layers : tuple of str
    n_directions : int
        Directions searched (0 for ``'exact'``).
    """

    distances: np.ndarray
    layer: np.ndarray
    unit: np.ndarray
    method: str
    layers: tuple[str, ...]
    n_directions: int = field(default=0)

    def __repr__(self) -> str:
        d = self.distances[np.isfinite(self.distances)]
        med = f"{np.median(d):.4g}" if d.size else "inf"
        return f"BoundaryDistance(n={len(self.distances)}, median={med}, method={self.method!r})"


def _exact_distances(probe: _Probe, F: np.ndarray, chunk_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min_j |z_j(x)| / ||grad z_j(x)|| over all units, gradients by forward-mode AD."""
    import torch
    import torch.autograd.forward_ad as fwAD

    n, d = F.shape
    dist = np.full(n, np.inf)
    layer = np.full(n, -1, dtype=np.int64)
    unit = np.full(n, -1, dtype=np.int64)
    per = max(1, chunk_rows // d)
    eye = torch.eye(d, dtype=probe.dtype, device=probe.device)
    probe._values = True
    try:
        for i0 in range(0, n, per):
            x = probe.tensor(F[i0 : i0 + per])
            m = len(x)
            xr = x.repeat_interleave(d, dim=0)  # sample-major: rows i*d .. i*d + d - 1
            tangent = eye.repeat(m, 1).reshape(xr.shape)
            with fwAD.dual_level():
                probe._calls = []
                with warnings.catch_warnings():  # torch's first make_dual loads jit-scripted decompositions
                    warnings.filterwarnings("ignore", message=".*torch.jit.script", category=DeprecationWarning)
                    dual = fwAD.make_dual(xr, tangent)
                probe._forward(dual)
                probe._check_calls()
                best = torch.full((m,), float("inf"), dtype=torch.float64, device=probe.device)
                best_l = torch.full((m,), -1, dtype=torch.int64, device=probe.device)
                best_u = torch.full((m,), -1, dtype=torch.int64, device=probe.device)
                for li, (_, z) in enumerate(probe._calls):
                    primal, tan = fwAD.unpack_dual(z)
                    if tan is None:  # the unit does not depend on the input: no boundary
                        continue
                    zval = primal.reshape(m, d, -1)[:, 0].double()
                    gnorm = tan.reshape(m, d, -1).double().pow(2).sum(dim=1).sqrt()
                    r = torch.where(gnorm > 0, zval.abs() / gnorm.clamp_min(1e-300), torch.inf)
                    val, arg = r.min(dim=1)
                    better = val < best
                    best = torch.where(better, val, best)
                    best_l = torch.where(better, torch.full_like(best_l, li), best_l)
                    best_u = torch.where(better, arg, best_u)
            dist[i0 : i0 + m] = best.cpu().numpy()
            layer[i0 : i0 + m] = best_l.cpu().numpy()
            unit[i0 : i0 + m] = best_u.cpu().numpy()
    finally:
        probe._values = False
    return dist, layer, unit


def _search_distances(probe: _Probe, F: np.ndarray, n_directions: int, max_distance: float, tol: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Exit radius of each sample's region along random directions: doubling, then bisection."""
    n, d = F.shape
    base, _ = probe(F)
    U = rng.normal(size=(n_directions, d))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    idx = np.repeat(np.arange(n), n_directions)
    dirs = np.tile(np.arange(n_directions), n)
    lo = np.zeros(len(idx))
    hi = np.full(len(idx), max_distance)
    r = np.full(len(idx), max(tol, max_distance / 2**20))
    open_ = np.ones(len(idx), dtype=bool)
    while open_.any():  # double r until the pattern changes (regions are convex along a ray)
        k = np.flatnonzero(open_)
        B, _ = probe(F[idx[k]] + r[k, None] * U[dirs[k]])
        out = (B != base[idx[k]]).any(axis=1)
        hi[k[out]] = r[k[out]]
        lo[k[~out]] = r[k[~out]]
        open_[k[out]] = False
        r[k[~out]] *= 2
        done = k[~out][r[k[~out]] > max_distance]
        open_[done] = False
        lo[done] = np.inf
    active = np.flatnonzero(np.isfinite(lo) & (hi - lo > tol))
    while active.size:
        mid = 0.5 * (lo[active] + hi[active])
        B, _ = probe(F[idx[active]] + mid[:, None] * U[dirs[active]])
        out = (B != base[idx[active]]).any(axis=1)
        hi[active[out]] = mid[out]
        lo[active[~out]] = mid[~out]
        active = active[hi[active] - lo[active] > tol]
    found = np.isfinite(lo)
    radius = np.where(found, 0.5 * (lo + hi), np.inf).reshape(n, n_directions)
    best = radius.argmin(axis=1)
    dist = radius[np.arange(n), best]
    layer = np.full(n, -1, dtype=np.int64)
    ok = np.isfinite(dist)
    if ok.any():
        outside = hi.reshape(n, n_directions)[np.arange(n), best]  # a radius known to have left the region
        at = F[ok] + outside[ok, None] * U[best[ok]]
        B, _ = probe(at)
        changes = _layer_changes(np.concatenate([base[ok], B]), probe.offsets, np.arange(ok.sum()),
                                 np.arange(ok.sum()) + ok.sum())  # fmt: skip
        layer[ok] = np.where(changes.any(axis=1), np.argmax(changes, axis=1), -1)
    return dist, layer


def distance_to_boundary(
    model: Any,
    X: Any,
    *,
    method: Literal["auto", "exact", "search"] = "auto",
    n_directions: int = 64,
    max_distance: float | None = None,
    tol: float | None = None,
    seed: int = 0,
    layers: Any = None,
    batch_size: int = 4096,
) -> BoundaryDistance:
    """Distance from each sample to the nearest boundary of its activation region.

    ``'exact'``: inside the region of ``x`` every pre-activation is affine,
    ``z_j(x') = z_j(x) + g_j . (x' - x)`` with ``g_j`` its input gradient, and the region is
    the polyhedron where all of them keep their signs. The distance from ``x`` to the
    boundary of an intersection of half-spaces is the least distance to their
    hyperplanes, so it is ``min_j |z_j(x)| / ||g_j||`` over every unit of every layer
    (units with ``g_j = 0`` never change sign and are skipped). For one hidden layer
    this is the distance to the nearest of the first layer's hyperplanes. Gradients
    come from forward-mode autodiff, one tangent per input feature (cost: ``n_features``
    forward passes per sample). Exact when the ReLU-type modules are read at their
    inputs and are the model's only nonlinearities.

    ``'search'``: along ``n_directions`` random unit directions per sample, the exit
    radius of the region is bracketed by doubling from ``max_distance / 2**20`` (regions
    are convex, so a ray leaves once) and bisected to ``tol``; the least over directions
    is returned. It is an upper bound on the true distance (exact only in the direction
    of the nearest boundary point), ``inf`` when no boundary lies within ``max_distance``.

    ``'auto'`` is ``'exact'`` when every recorded module is ReLU-type and the input has
    at most 4096 features, else ``'search'``.

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, *input_shape)
    method : {'auto', 'exact', 'search'}, default='auto'
    n_directions : int, default=64
    max_distance : float, optional
        Search radius; default 4 x the largest per-feature range of ``X`` (or 4 without spread).
    tol : float, optional
        Bisection width; default ``1e-6 * max_distance``.
    seed : int, default=0
    layers, batch_size
        As in :func:`activation_patterns`.

    Returns
    -------
    BoundaryDistance

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(2)); _ = net[0].bias.zero_()
    >>> distance_to_boundary(net, [[0.5, 2.0], [-3.0, 1.0]]).distances.tolist()
    [0.5, 1.0]
    """
    X = _inputs(X, "X")
    method = check_choice(method, name="method", choices=("auto", "exact", "search"))
    n_directions = check_int(n_directions, name="n_directions", min_value=1)
    seed = check_int(seed, name="seed", min_value=0)
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    F = X.reshape(len(X), -1)
    if max_distance is None:
        spread = float(np.ptp(F, axis=0).max()) if len(F) > 1 else 0.0
        max_distance = 4.0 * spread if spread > 0 else 4.0
    max_distance = check_real(max_distance, name="max_distance", min_value=0.0, strict=True)
    tol = 1e-6 * max_distance if tol is None else check_real(tol, name="tol", min_value=0.0, strict=True)
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        if method == "exact" and probe.post:
            raise ValueError(
                f"method='exact' needs pre-activations, but layers= names non-ReLU modules {probe.post}; "
                "use method='search'."
            )
        if method == "auto":
            method = "exact" if not probe.post and F.shape[1] <= 4096 else "search"
        if method == "exact":
            dist, layer, unit = _exact_distances(probe, F, chunk_rows=max(batch_size, F.shape[1]))
            n_dir = 0
        else:
            check_budget(8.0 * n_directions * (F.shape[1] + 8 * len(F)),
                         f"{len(F)} samples x n_directions={n_directions} search directions", None, name="budget",
                         hint="Use fewer directions (64 to 256 is typical) or method='exact'.")
            rng = np.random.default_rng(seed)
            dist, layer = _search_distances(probe, F, n_directions, max_distance, tol, rng)
            unit, n_dir = np.full(len(F), -1, dtype=np.int64), n_directions
    return BoundaryDistance(_readonly(dist), _readonly(layer), _readonly(unit), method,
                            tuple(probe.layers or ()), n_dir)  # fmt: skip


# -- over training -------------------------------------------------------------------------------
