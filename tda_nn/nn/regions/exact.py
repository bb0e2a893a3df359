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

import copy
import math
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...validation import (
    MemoryBudgetError,
    as_numpy,
    check_int,
    check_real,
    find_stack_level,
    format_bytes,
    parse_memory,
)

__all__ = ["ExactPlaneRegions", "Polygon", "exact_support", "plane_partition", "regions_on_plane_exact"]

_RELU_LIKE = ("ReLU", "LeakyReLU", "PReLU", "RReLU")
_MAXPOOL = ("MaxPool1d", "MaxPool2d")
_AFFINE = (
    "Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d",
    "BatchNorm3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d", "Flatten", "Unflatten", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "AlphaDropout", "FeatureAlphaDropout", "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d",
    "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
)  # fmt: skip
_NOT_PL = (
    "GELU", "Tanh", "Sigmoid", "SiLU", "ELU", "SELU", "CELU", "Softplus", "Mish", "Hardswish", "Hardsigmoid",
    "Softsign", "Tanhshrink", "LogSigmoid", "Softmax", "LogSoftmax", "Softmin", "LayerNorm", "GroupNorm",
    "InstanceNorm1d", "InstanceNorm2d", "LocalResponseNorm", "MultiheadAttention", "RMSNorm", "GLU",
)  # fmt: skip
_POOL_ARGS = ("kernel_size", "stride", "padding", "dilation")


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


# -- the model as a program of affine and piecewise-linear steps ---------------------------------
class _Batch:
    """Marker for the batch dimension in traced shape arithmetic (``x.size(0)``)."""


_BATCH = _Batch()


def _trace(model: Any) -> Any:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    net = copy.deepcopy(model).to("cpu").double().eval()
    try:
        gm = torch.fx.symbolic_trace(net)
    except Exception as exc:  # noqa: BLE001 - fx raises many kinds on data-dependent code
        raise ValueError(
            f"model: its forward could not be traced with torch.fx ({type(exc).__name__}: {exc}), so its layers "
            "cannot be walked in order; use method='grid'."
        ) from exc
    return gm


def _function_kind(target: Any) -> str | None:
    import torch
    import torch.nn.functional as F

    if target in (torch.relu, F.relu, torch.nn.functional.relu):
        return "relu"
    if target in (F.leaky_relu,):
        return "relu"
    if target in (operator.add, torch.add, operator.sub, torch.sub, operator.mul, torch.mul, operator.truediv,
                  operator.neg, torch.flatten, operator.getitem, getattr, torch.cat):  # fmt: skip
        return "affine"
    return None


def _check_graph(gm: Any) -> None:
    """Refuse, before any work, a model with a step the exact method cannot take."""
    mods = dict(gm.named_modules())
    for node in gm.graph.nodes:
        if node.op == "call_module":
            name = type(mods[node.target]).__name__
            if name in _RELU_LIKE or name in _AFFINE:
                continue
            if name in _MAXPOOL:
                m = mods[node.target]
                if getattr(m, "return_indices", False):
                    raise ValueError(f"{name} at layer {node.target!r} returns indices; the exact method needs "
                                     "return_indices=False (or use method='grid').")  # fmt: skip
                continue
            why = "is not piecewise linear" if name in _NOT_PL else "is not supported by the exact method"
            raise ValueError(f"{name} at layer {node.target!r} {why}; use method='grid'.")
        if node.op == "call_function" and _function_kind(node.target) is None:
            fname = getattr(node.target, "__name__", str(node.target))
            raise ValueError(f"function {fname} at node {node.name!r} is not supported by the exact method (it "
                             "handles ReLU-type, affine and max-pooling modules, +, -, scalar *, flatten); "
                             "use method='grid'.")  # fmt: skip
        if node.op == "call_method" and node.target not in ("view", "reshape", "flatten", "size", "relu",
                                                              "contiguous", "add", "mul"):  # fmt: skip
            raise ValueError(f"method .{node.target}() at node {node.name!r} is not supported by the exact method; "
                             "use method='grid'.")  # fmt: skip
        if node.op == "get_attr":
            raise ValueError(f"node {node.name!r} reads the tensor attribute {node.target!r} in forward; the exact "
                             "method supports modules and scalar constants only; use method='grid'.")  # fmt: skip


def _pool_windows(in_shape: tuple[int, ...], out_shape: tuple[int, ...], module: Any) -> np.ndarray:
    """Flat input indices in each max-pooling window, (n_outputs, window) with -1 for padding."""
    nd = len(in_shape) - 1

    def tup(x: Any) -> tuple[int, ...]:
        return tuple(x) if isinstance(x, (tuple, list)) else (int(x),) * nd

    k = tup(module.kernel_size)
    s = tup(module.stride if module.stride is not None else module.kernel_size)
    p, d = tup(module.padding), tup(module.dilation)
    per_dim = []
    for i in range(nd):
        o = np.arange(out_shape[1 + i])[:, None] * s[i] - p[i] + np.arange(k[i])[None] * d[i]  # (out, k)
        per_dim.append(np.where((o >= 0) & (o < in_shape[1 + i]), o, -1))
    C = in_shape[0]
    if nd == 1:
        pos = per_dim[0][None]  # (1, L_out, k)
        idx = np.arange(C)[:, None, None] * in_shape[1] + pos
        idx = np.where(pos >= 0, idx, -1)
    else:
        H, W = in_shape[1], in_shape[2]
        r, c = per_dim  # (Ho, kh), (Wo, kw)
        rr = r[:, None, :, None]
        cc = c[None, :, None, :]
        flat = np.arange(C)[:, None, None, None, None] * (H * W) + (rr * W + cc)[None]
        idx = np.where(((rr >= 0) & (cc >= 0))[None], flat, -1)
    return idx.reshape(int(np.prod(out_shape)), -1).astype(np.int64)


class _Walk:
    """Pieces (polygons, or single points) with the affine value of every live node on each."""

    def __init__(self, gm: Any, T0: Any, verts: list[np.ndarray], *, split: bool, tol: float, min_width: float,
                 max_regions: int, max_bytes: float = math.inf) -> None:  # fmt: skip
        self.gm = gm
        self.mods = dict(gm.named_modules())
        self.T0 = T0
        self.verts = verts
        self.split = split
        self.tol = tol
        self.min_width = min_width
        self.max_regions = max_regions
        self.max_bytes = max_bytes
        self.patterns: list[np.ndarray] = []
        self.layers: list[str] = []
        self.kinds: list[str] = []
        self.n_units: list[int] = []
        self.counts: list[int] = []

    # values: torch tensors (P, 3, *shape) for affine maps of (s, t) (b, a_s, a_t), (P, 1, *shape) for the
    # values at single points; python objects otherwise
    def run(self) -> None:
        import torch

        nodes = list(self.gm.graph.nodes)
        last = {n: i for i, node in enumerate(nodes) for n in node.all_input_nodes}
        env: dict[Any, Any] = {}
        self.env = env
        seen_input = False
        with torch.no_grad():
            for i, node in enumerate(nodes):
                if node.op == "placeholder":
                    env[node] = self.T0 if not seen_input else (node.args[0] if node.args else None)
                    seen_input = True
                elif node.op == "output":
                    break
                else:
                    env[node] = self._step(node, env)
                for n in list(env):
                    if last.get(n, -1) <= i and n is not node:
                        del env[n]

    def _arg(self, a: Any, env: dict) -> Any:
        import torch.fx

        if isinstance(a, torch.fx.Node):
            return env[a]
        if isinstance(a, (tuple, list)):
            return type(a)(self._arg(x, env) for x in a)
        return a

    def _step(self, node: Any, env: dict) -> Any:
        import torch

        args = [self._arg(a, env) for a in node.args]
        kwargs = {k: self._arg(a, env) for k, a in node.kwargs.items()}
        if node.op == "call_module":
            m = self.mods[node.target]
            name = type(m).__name__
            if name in _RELU_LIKE:
                return self._relu(node.target, args[0], m)
            if name in _MAXPOOL:
                return self._maxpool(node.target, args[0], m)
            return self._affine(m, args[0])
        if node.op == "call_method":
            x, rest = args[0], args[1:]
            if node.target == "size":
                return self._size(x, *rest)
            if node.target == "contiguous":
                return x
            if node.target == "relu":
                return self._relu(node.name, x, torch.nn.ReLU())
            if node.target in ("view", "reshape"):
                return self._reshape(x, rest, node)
            if node.target == "flatten":
                return self._flatten(x, *rest, **kwargs)
            if node.target == "add":
                return self._add(x, rest[0], 1.0)
            if node.target == "mul":
                return self._scale(x, rest[0], node)
        # call_function
        f = node.target
        if f in (torch.relu, torch.nn.functional.relu):
            return self._relu(node.name, args[0], torch.nn.ReLU())
        if f is torch.nn.functional.leaky_relu:
            slope = args[1] if len(args) > 1 else kwargs.get("negative_slope", 0.01)
            return self._relu(node.name, args[0], torch.nn.LeakyReLU(slope))
        if f in (operator.add, torch.add):
            return self._add(args[0], args[1], 1.0)
        if f in (operator.sub, torch.sub):
            return self._add(args[0], args[1], -1.0)
        if f is operator.neg:
            return self._scale(args[0], -1.0, node)
        if f in (operator.mul, torch.mul):
            a, b = args[0], args[1]
            return self._scale(b, a, node) if torch.is_tensor(b) else self._scale(a, b, node)
        if f is operator.truediv:
            return self._scale(args[0], 1.0 / args[1], node)
        if f is torch.flatten:
            return self._flatten(*args, **kwargs)
        if f is getattr:
            if args[1] == "shape":
                return self._size(args[0])
            raise ValueError(f"node {node.name!r}: attribute {args[1]!r} of a tensor is not supported; "
                             "use method='grid'.")  # fmt: skip
        if f is operator.getitem:
            return args[0][args[1]]
        if f is torch.cat:
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            if dim == 0:
                raise ValueError(f"node {node.name!r} concatenates along the batch axis; use method='grid'.")
            return torch.cat(list(args[0]), dim=dim + 1 if dim > 0 else dim)
        raise ValueError(f"node {node.name!r} ({f}) is not supported by the exact method; use method='grid'.")

    # -- affine steps
    def _affine(self, m: Any, T: Any) -> Any:
        import torch

        P = T.shape[0]
        shape = tuple(T.shape[2:])
        K = T.shape[1]
        rows = T.reshape(P * K, *shape)
        zero = torch.zeros((1, *shape), dtype=T.dtype)
        f0 = m(zero)
        chunk = 3 * 4096
        out = torch.cat([m(rows[i : i + chunk]) for i in range(0, len(rows), chunk)])
        out = out.reshape(P, K, *f0.shape[1:])
        out[:, 1:] -= f0
        return out

    def _size(self, T: Any, dim: Any = None) -> Any:
        full = (_BATCH, *T.shape[2:])
        return full if dim is None else full[dim]

    def _reshape(self, T: Any, shape: Sequence[Any], node: Any) -> Any:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        if not shape or not (shape[0] is _BATCH or shape[0] == -1):
            raise ValueError(f"node {node.name!r} reshapes across the batch axis ({shape}); the exact method "
                             "needs x.view(x.size(0), ...) or x.view(-1, ...); use method='grid'.")  # fmt: skip
        rest = [int(s) for s in shape[1:]]
        return T.reshape(T.shape[0], T.shape[1], *rest)

    def _flatten(self, T: Any, start_dim: int = 1, end_dim: int = -1) -> Any:
        if start_dim == 0:
            raise ValueError("flatten(start_dim=0) merges the batch axis; the exact method needs start_dim >= 1.")
        nd = T.dim() - 2
        end = end_dim if end_dim >= 0 else nd + 1 + end_dim
        return T.flatten(start_dim + 1, end + 1)

    def _add(self, a: Any, b: Any, sign: float) -> Any:
        import torch

        if torch.is_tensor(a) and torch.is_tensor(b):
            return a + sign * b
        if torch.is_tensor(a):
            out = a.clone()
            out[:, 0] += sign * b
            return out
        out = sign * b.clone()
        out[:, 0] += a
        return out

    def _scale(self, T: Any, c: Any, node: Any) -> Any:
        import torch

        if torch.is_tensor(c) or not isinstance(c, (int, float)):
            raise ValueError(f"node {node.name!r} multiplies two tensors, which is not affine; use method='grid'.")
        return T * float(c)

    # -- piecewise-linear steps
    def _gather(self, parent: np.ndarray) -> None:
        """Re-index every live value and pattern after pieces split (``parent[k]``: old index of piece k)."""
        import torch

        idx = torch.as_tensor(parent, dtype=torch.long)
        for n, val in list(self.env.items()):
            if torch.is_tensor(val):
                self.env[n] = val.index_select(0, idx)
        self.patterns = [p[parent] for p in self.patterns]

    def _limit(self, T: Any) -> int:
        """Most pieces the memory budget allows: each holds every live value, copied while re-indexed."""
        import torch

        per = 8 * (sum(v[0].numel() for v in self.env.values() if torch.is_tensor(v)) + 3 * T[0].numel())
        return min(self.max_regions, int(self.max_bytes // max(3 * per, 1)))

    def _check_budget(self, name: str, T: Any = None) -> None:
        if T is not None and len(self.verts) > self._limit(T) and len(self.verts) <= self.max_regions:
            raise MemoryBudgetError(
                f"max_memory: {len(self.verts)} pieces after layer {name!r} would need more than "
                f"max_memory={format_bytes(self.max_bytes)} (each carries the affine maps of the layers still in "
                "use); shrink the window (extent), raise max_memory, or use method='grid' (a lower bound)."
            )
        if len(self.verts) > self.max_regions:
            raise ValueError(
                f"max_regions: the window holds more than max_regions={self.max_regions} regions (already "
                f"{len(self.verts)} after layer {name!r}); shrink the window (extent), raise max_regions, or use "
                "method='grid' (a lower bound)."
            )

    def _relu(self, name: str, T: Any, m: Any) -> Any:
        import torch

        P = T.shape[0]
        shape = tuple(T.shape[2:])
        K = T.shape[1]
        Z = T.reshape(P, K, -1).numpy()
        U = Z.shape[2]
        with torch.no_grad():
            ones = torch.ones((1, *shape), dtype=T.dtype)
            pos = m(ones.clone()).reshape(-1).numpy()
            neg = -m(-ones.clone()).reshape(-1).numpy()
        if self.split:
            limit = self._limit(T)
            verts, parent = [], []
            for i in range(P):
                pieces = self._cut_relu(self.verts[i], Z[i])
                verts += pieces
                parent += [i] * len(pieces)
                if len(verts) > limit:
                    self.verts = verts
                    self._check_budget(name, T)
            parent_arr = np.asarray(parent, dtype=np.int64)
            self.verts = verts
        else:
            parent_arr = np.arange(P)
        if self.split:
            C = np.stack([V.mean(axis=0) for V in self.verts])
            Zp = Z[parent_arr]
            z = Zp[:, 0] + C[:, :1] * Zp[:, 1] + C[:, 1:] * Zp[:, 2]
        else:  # single points, values only
            z = Z[:, 0]
        mask = z > 0
        if self.split:
            self._gather(parent_arr)
            T = self.env_lookup(T, parent_arr)
        factor = torch.as_tensor(np.where(mask, pos, neg))
        self.patterns.append(mask)
        self._record(name, "relu", U)
        return (T.reshape(len(parent_arr), K, U) * factor[:, None, :]).reshape(len(parent_arr), K, *shape)

    def env_lookup(self, T: Any, parent: np.ndarray) -> Any:
        import torch

        return T.index_select(0, torch.as_tensor(parent, dtype=torch.long))

    def _record(self, name: str, kind: str, n: int) -> None:
        k = sum(1 for x in self.layers if x == name or x.startswith(name + "#"))
        self.layers.append(name if k == 0 else f"{name}#{k}")
        self.kinds.append(kind)
        self.n_units.append(n)
        self.counts.append(len(self.verts))

    def _snap(self, w: np.ndarray, scale: float) -> np.ndarray:
        w = w.copy()
        w[np.abs(w) <= self.tol * scale] = 0.0
        return w

    def _cut_relu(self, V: np.ndarray, Zi: np.ndarray) -> list[np.ndarray]:
        W = Zi[0] + V @ Zi[1:]  # (m, U)
        scale = np.abs(W).max(axis=0)
        eps = self.tol * scale
        cross = np.flatnonzero((W.max(axis=0) > eps) & (W.min(axis=0) < -eps))
        pieces = [V]
        for j in cross:
            new = []
            for Q in pieces:
                w = self._snap(Zi[0, j] + Q @ Zi[1:, j], scale[j])
                if w.max() <= 0 or w.min() >= 0:
                    new.append(Q)
                    continue
                a, b = _cut(Q, w)
                if _thin(a, self.min_width) or _thin(b, self.min_width):
                    new.append(Q)
                else:
                    new += [a, b]
            pieces = new
        return pieces

    def _maxpool(self, name: str, T: Any, m: Any) -> Any:
        import torch

        P = T.shape[0]
        in_shape = tuple(T.shape[2:])
        with torch.no_grad():
            out_shape = tuple(m(torch.zeros((1, *in_shape), dtype=T.dtype)).shape[1:])
        idx = _pool_windows(in_shape, out_shape, m)  # (U_out, K)
        valid = idx >= 0
        safe = np.where(valid, idx, 0)
        K = T.shape[1]
        Z = T.reshape(P, K, -1).numpy()
        if self.split:
            limit = self._limit(T)
            verts, parent = [], []
            for i in range(P):
                pieces = self._cut_max(self.verts[i], Z[i][:, safe], valid)
                verts += pieces
                parent += [i] * len(pieces)
                if len(verts) > limit:
                    self.verts = verts
                    self._check_budget(name, T)
            parent_arr = np.asarray(parent, dtype=np.int64)
            self.verts = verts
        else:
            parent_arr = np.arange(P)
        Zc = Z[parent_arr][:, :, safe]  # (P', K, U_out, window)
        if self.split:
            C = np.stack([V.mean(axis=0) for V in self.verts])
            vals = Zc[:, 0] + C[:, 0, None, None] * Zc[:, 1] + C[:, 1, None, None] * Zc[:, 2]
        else:
            vals = Zc[:, 0]
        vals = np.where(valid[None], vals, -np.inf)
        top = vals.max(axis=-1, keepdims=True)
        fin = np.where(valid[None], np.abs(vals), 0.0).max(axis=-1, keepdims=True)
        arg = np.argmax(vals >= top - self.tol * fin, axis=-1)  # the first of (numerically) tied maxima
        chosen = np.take_along_axis(np.broadcast_to(idx, (len(parent_arr), *idx.shape)), arg[..., None], -1)[..., 0]
        if self.split:
            self._gather(parent_arr)
            T = self.env_lookup(T, parent_arr)
        flat = T.reshape(len(parent_arr), K, -1)
        out = torch.gather(flat, 2, torch.as_tensor(chosen)[:, None, :].expand(-1, K, -1))
        self.patterns.append(chosen.astype(np.int64))
        self._record(name, "maxpool", idx.shape[0])
        return out.reshape(len(parent_arr), K, *out_shape)

    def _cut_max(self, V: np.ndarray, Ci: np.ndarray, valid: np.ndarray) -> list[np.ndarray]:
        """Cut ``V`` into the cells of the upper envelope of each window's candidates ``Ci`` (3, U_out, K)."""
        W = Ci[0][None] + np.einsum("mc,cuk->muk", V, Ci[1:])  # (m, U_out, K)
        W = np.where(valid[None], W, -np.inf)
        top = W.max(axis=-1)
        scale = np.where(valid[None], np.abs(W), 0.0).max(axis=(0, 2))
        eps = self.tol * np.maximum(scale, 1e-300)
        dominant = (W >= top[..., None] - eps[None, :, None]).all(axis=0).any(axis=-1)
        pieces = [V]
        for u in np.flatnonzero(~dominant):
            cand = np.flatnonzero(valid[u])
            F = Ci[:, u, cand].T  # (k, 3): b, a_s, a_t
            keep: list[int] = []
            for k in range(len(F)):  # identical functions (ties, e.g. zeros after a ReLU): keep the first
                if not any(np.abs(F[k] - F[j]).max() <= eps[u] for j in keep):
                    keep.append(k)
            F = F[keep]
            if len(F) < 2:
                continue
            new = []
            for Q in pieces:
                cells = []
                for k in range(len(F)):
                    R: np.ndarray | None = Q
                    for j in range(len(F)):
                        if j == k or R is None:
                            continue
                        g = F[k] - F[j]
                        w = self._snap(g[0] + R @ g[1:], float(np.abs(g[0] + Q @ g[1:]).max()))
                        if w.min() >= 0:
                            continue
                        if w.max() <= 0:
                            R = None
                            continue
                        R = _cut(R, w)[0]
                    if R is not None and not _thin(R, self.min_width):
                        cells.append(R)
                new += cells if len(cells) > 1 else [Q]
            pieces = new
        return pieces


def _cut(V: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a convex polygon by the sign of an affine function with values ``w`` at its vertices."""
    m = len(V)
    pos: list[np.ndarray] = []
    neg: list[np.ndarray] = []
    for k in range(m):
        a, wa = V[k], w[k]
        b, wb = V[(k + 1) % m], w[(k + 1) % m]
        if wa >= 0:
            pos.append(a)
        if wa <= 0:
            neg.append(a)
        if (wa > 0 and wb < 0) or (wa < 0 and wb > 0):
            x = a + (wa / (wa - wb)) * (b - a)
            pos.append(x)
            neg.append(x)
    return np.array(pos).reshape(-1, 2), np.array(neg).reshape(-1, 2)


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
    from .planes import _plane

    o, uu, vv, anchors, ext, shape = _plane(origin, u, v, points, extent)
    return plane_partition(model, o.reshape(shape), uu, vv, extent=ext, max_regions=max_regions,
                           max_memory=max_memory, tol=tol, anchors=anchors)  # fmt: skip
