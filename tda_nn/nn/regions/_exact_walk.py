"""The exact method's walk: the model as a program of affine and piecewise-linear steps, cutting polygons."""

from __future__ import annotations

import copy
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...budgets import format_bytes
from ...validation import MemoryBudgetError
from ._exact_types import _thin

__all__: list[str] = []

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


