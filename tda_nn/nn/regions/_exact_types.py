"""Results of the exact method: polygons of the plane with their activation patterns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...validation import (
    as_numpy,
    check_int,
)

__all__ = ['ExactPlaneRegions', 'Polygon']

# -- results -------------------------------------------------------------------------------------
def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _thin(V: np.ndarray, width: float) -> bool:
    """Whether a polygon is narrower than ``width`` (twice its area over its perimeter, its width for a sliver)."""
    if len(V) < 3:
        return True
    per = float(np.linalg.norm(np.roll(V, -1, axis=0) - V, axis=1).sum())
    return 2.0 * _area(V) <= width * per


def _area(V: np.ndarray) -> float:
    """Signed area of a polygon (positive counter-clockwise), shoelace formula."""
    if len(V) < 3:
        return 0.0
    x, y = V[:, 0], V[:, 1]
    return 0.5 * float(x @ np.roll(y, -1) - np.roll(x, -1) @ y)


@dataclass(frozen=True, repr=False)
class Polygon:
    """One activation region's trace on the plane: a convex polygon and its pattern.

    Attributes
    ----------
    vertices : ndarray of shape (n_vertices, 2)
        Counter-clockwise, in plane coordinates ``(s, t)``.
    pattern : tuple of ndarray
        Per nonlinear layer: bool ndarray of shape (n_units,) (``z > 0``) for a
        ReLU-type layer, int64 ndarray of shape (n_outputs,) (the flat index of the
        chosen input unit) for a max-pooling layer.
    """

    vertices: np.ndarray
    pattern: tuple[np.ndarray, ...]

    @property
    def area(self) -> float:
        return _area(self.vertices)

    @property
    def centroid(self) -> np.ndarray:
        """Mean of the vertices (inside, the polygon being convex), shape (2,)."""
        return self.vertices.mean(axis=0)

    def __repr__(self) -> str:
        return f"Polygon(n_vertices={len(self.vertices)}, area={self.area:.4g})"


@dataclass(frozen=True, repr=False)
class ExactPlaneRegions:
    """The exact partition of ``origin + s * u + t * v`` over a window into activation regions.

    Attributes
    ----------
    polygons : tuple of Polygon
        The regions' traces on the window; they tile it (up to slivers below ``tol``).
    n_regions : int
        ``len(polygons)``: the exact number of regions meeting the window.
    counts : ndarray of shape (n_layers,)
        Regions of the patterns of nonlinear layers ``0..l`` (non-decreasing).
    layers : tuple of str
        The nonlinear layers in the order the forward pass calls them (module names, or
        the traced function's node name for ``F.relu``-style calls).
    kinds : tuple of {'relu', 'maxpool'}
    n_units : tuple of int
        Units (ReLU-type) or outputs (max pooling) per layer.
    extent : tuple of float
        ``(s_min, s_max, t_min, t_max)``.
    origin, u, v : ndarray of shape (n_features,)
    input_shape : tuple of int
    anchors : ndarray of shape (3, 2) or None
        Plane coordinates of the three inputs that defined the plane.
    patterns : tuple of ndarray of shape (n_regions, n_units[l])
        The polygons' patterns stacked per layer (``polygons[k].pattern[l] == patterns[l][k]``).
    tol : float
        Relative tolerance of the cuts (see the module's notes).
    estimate : int
        The count estimated before the work: the larger of the 32 x 32 grid's distinct
        patterns times their growth from 16 x 16, and ``n_h n_v / 2 + n_h + n_v + 1`` from
        the mean boundary crossings of five horizontal and five vertical lines.
    method : str
        ``'exact'``.
    """

    polygons: tuple[Polygon, ...]
    n_regions: int
    counts: np.ndarray
    layers: tuple[str, ...]
    kinds: tuple[str, ...]
    n_units: tuple[int, ...]
    extent: tuple[float, float, float, float]
    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    input_shape: tuple[int, ...]
    anchors: np.ndarray | None
    patterns: tuple[np.ndarray, ...]
    tol: float
    estimate: int
    method: str = "exact"

    def _points(self, points: Any) -> np.ndarray:
        P = as_numpy(points, name="points", dtype=np.float64)
        P = P.reshape(1, 2) if P.shape == (2,) else P
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"points must be plane coordinates of shape (n, 2), got shape {P.shape}.")
        return P

    def locate(self, points: Any) -> np.ndarray:
        """Index of the polygon holding each point ``(s, t)``; -1 outside the window.

        A point on a shared edge goes to the polygon it lies deepest inside.

        Parameters
        ----------
        points : array-like of shape (n, 2)

        Returns
        -------
        ndarray of shape (n,), int64
        """
        P = self._points(points)
        best = np.full(len(P), -np.inf)
        idx = np.full(len(P), -1, dtype=np.int64)
        order = np.argsort(P[:, 0], kind="stable")
        xs = P[order, 0]
        pad = 1e-12 * max(1.0, float(np.abs(self.extent).max()))
        for k, poly in enumerate(self.polygons):
            V = poly.vertices
            lo, hi = V.min(axis=0) - pad, V.max(axis=0) + pad
            strip = order[np.searchsorted(xs, lo[0], "left") : np.searchsorted(xs, hi[0], "right")]
            near = strip[(P[strip, 1] >= lo[1]) & (P[strip, 1] <= hi[1])]
            if not near.size:
                continue
            E = np.roll(V, -1, axis=0) - V
            L = np.linalg.norm(E, axis=1)
            ok = L > 0
            E, V0, L = E[ok], V[ok], L[ok]
            D = P[near, None, :] - V0[None]
            margin = ((E[None, :, 0] * D[..., 1] - E[None, :, 1] * D[..., 0]) / L).min(axis=1)
            better = margin > best[near]
            best[near[better]] = margin[better]
            idx[near[better]] = k
        scale = max(self.extent[1] - self.extent[0], self.extent[3] - self.extent[2])
        idx[best < -1e-9 * scale] = -1
        return idx

    def pattern_at(self, points: Any) -> tuple[np.ndarray, ...]:
        """Activation patterns of the polygons holding ``points``, per layer.

        Returns
        -------
        tuple of ndarray of shape (n, n_units[l])

        Raises
        ------
        ValueError
            A point lies outside the window.
        """
        idx = self.locate(points)
        if (idx < 0).any():
            raise ValueError(f"points: {int((idx < 0).sum())} point(s) lie outside the window {self.extent}.")
        return tuple(p[idx] for p in self.patterns)

    def rasterize(self, resolution: int = 256) -> np.ndarray:
        """Polygon index at each point of a grid over the window, like :attr:`PlaneRegions.labels`.

        Returns
        -------
        ndarray of shape (resolution, resolution), int32
            Row ``i`` is ``t[i]``, column ``j`` is ``s[j]``, for ``linspace`` grids over
            ``extent`` (``imshow(labels, origin='lower', extent=extent)`` draws it).
        """
        resolution = check_int(resolution, name="resolution", min_value=2)
        e = self.extent
        s, t = np.meshgrid(np.linspace(e[0], e[1], resolution), np.linspace(e[2], e[3], resolution))
        return self.locate(np.column_stack([s.ravel(), t.ravel()])).reshape(resolution, resolution).astype(np.int32)

    def segment_intervals(self, a: Any, b: Any) -> np.ndarray:
        """Where the segment ``a -> b`` (plane coordinates) lies in each polygon it crosses.

        Returns
        -------
        ndarray of shape (n_crossed, 3)
            Rows ``(polygon index, tau_in, tau_out)`` with ``0 <= tau_in < tau_out <= 1``,
            sorted by ``tau_in``; pieces shorter than ``tol`` (in ``tau``) are left out.
        """
        a, b = self._points(a)[0], self._points(b)[0]
        d = b - a
        rows = []
        for k, poly in enumerate(self.polygons):
            V = poly.vertices
            E = np.roll(V, -1, axis=0) - V
            g0 = E[:, 0] * (a[1] - V[:, 1]) - E[:, 1] * (a[0] - V[:, 0])  # >= 0 inside, at tau = 0
            g1 = E[:, 0] * d[1] - E[:, 1] * d[0]
            lo, hi = 0.0, 1.0
            for c0, c1 in zip(g0, g1):
                if c1 > 0:
                    lo = max(lo, -c0 / c1)
                elif c1 < 0:
                    hi = min(hi, -c0 / c1)
                elif c0 < 0:
                    hi = -1.0
            if hi - lo > self.tol:
                rows.append((k, lo, hi))
        out = np.array(sorted(rows, key=lambda r: r[1]), dtype=np.float64).reshape(-1, 3)
        return out

    def count_on_segment(self, a: Any, b: Any) -> int:
        """Number of polygons the segment ``a -> b`` (plane coordinates, inside the window) crosses."""
        return len(self.segment_intervals(a, b))

    def to_input(self, points: Any) -> np.ndarray:
        """Inputs ``origin + s u + t v`` at plane coordinates, ndarray of shape (n, *input_shape)."""
        P = self._points(points)
        X = self.origin + P[:, :1] * self.u + P[:, 1:] * self.v
        return X.reshape(len(P), *self.input_shape)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the polygons (see :func:`tda_nn.plotting.polygons.plot_polygons`); returns the axes."""
        from ...plotting.polygons import plot_polygons

        kwargs.setdefault("title", f"{self.n_regions} regions (exact)")
        return plot_polygons([p.vertices for p in self.polygons], ax=ax, extent=self.extent,
                             anchors=self.anchors, **kwargs)  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"ExactPlaneRegions(n_regions={self.n_regions}, counts={self.counts.tolist()}, "
            f"layers={len(self.layers)}, tol={self.tol:g})"
        )


