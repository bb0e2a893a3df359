"""Reading sign patterns through forward hooks: the machinery every region function runs on."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...validation import as_numpy, find_stack_level
from ..hooks import Hooks, first_tensor, float_dtype, on_device, resolve_layers
from ._common import _OTHER_NONLINEAR, RELU_TYPES, _readonly

__all__: list[str] = []


class _SignHooks(Hooks):
    """:class:`Hooks` plus forward *pre*-hooks on ReLU-type modules, to read their pre-activations.

    Registered in ``__enter__`` into the base class's handle list, so its cleanup removes them.
    """

    def __init__(self, model: Any, pre_names: Sequence[str], post_names: Sequence[str], record: Any,
                 on_call: Any):  # fmt: skip
        super().__init__(model, list(post_names), record, on_call=on_call, eval_mode=True)
        self._pre_names = list(pre_names)

    def __enter__(self) -> _SignHooks:
        super().__enter__()
        try:
            for name in self._pre_names:
                self._handles.append(self._modules[name].register_forward_pre_hook(self._pre_for(name)))
        except BaseException:
            self._cleanup()
            raise
        return self

    def _pre_for(self, name: str) -> Any:
        record = self.on_output

        def hook(module: Any, args: tuple) -> None:
            record(name, args[0] if args else None)

        return hook


def check_region_model(model: Any) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    for name, t in (*model.named_parameters(), *model.named_buffers()):
        if t.is_meta:
            raise ValueError(f"model parameter {name!r} is on the 'meta' device (no values); load real weights first.")
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise ValueError(
                f"model parameter {name!r} has {int((~torch.isfinite(t)).sum())} NaN or infinite values; its "
                "activation regions are not defined (did training diverge?)."
            )


def sign_modules(model: Any, layers: Any) -> tuple[list[str], list[str]]:
    """Names of modules read at their input (ReLU-type) and at their output (named by the user)."""
    mods = dict(model.named_modules())
    if layers is None:
        pre = [n for n, m in mods.items() if n and type(m).__name__ in RELU_TYPES]
        if not pre and type(model).__name__ in RELU_TYPES:
            raise ValueError("model is a bare activation module; wrap it with the layers before it.")
        if not pre:
            present = sorted({type(m).__name__ for m in mods.values()})
            raise ValueError(
                f"model: {type(model).__name__} has no ReLU-type modules (nn.ReLU, nn.LeakyReLU, nn.PReLU, "
                f"nn.RReLU); its module types are {present}. If its forward calls F.relu, use nn.ReLU() modules "
                "or pass layers=[names of modules whose outputs are post-ReLU]."
            )
        return pre, []
    names = [n for n in resolve_layers(model, layers) if n != "input"]
    if not names:
        raise ValueError("layers: 'input' has no activation pattern; name ReLU-type modules instead.")
    pre = [n for n in names if type(mods[n]).__name__ in RELU_TYPES]
    return pre, [n for n in names if n not in pre]


def _warn_nonlinear(model: Any) -> None:
    other = sorted({type(m).__name__ for m in model.modules() if type(m).__name__ in _OTHER_NONLINEAR})
    if other:
        warnings.warn(
            f"model has nonlinear modules whose breakpoints are not recorded ({', '.join(other)}); the "
            "regions counted are those of the ReLU sign patterns, on which the model need not be affine "
            "(and, along paths, need not be convex).",
            UserWarning,
            stacklevel=find_stack_level(),
        )


def _first_linear(model: Any) -> Any:
    """The first module a ``Sequential`` calls, when it is ``nn.Linear`` (module order is call order there)."""
    import torch

    m = model
    while isinstance(m, torch.nn.Sequential) and len(m):
        m = m[0]
    return m if isinstance(m, torch.nn.Linear) else None


def _check_shape(model: Any, shape: tuple[int, ...], name: str) -> None:
    lin = _first_linear(model)
    if lin is not None and (not shape or shape[-1] != lin.in_features):
        raise ValueError(
            f"{name}: the model's first layer is Linear(in_features={lin.in_features}), so each input must "
            f"have {lin.in_features} features in its last axis; got inputs of shape {shape}."
        )


class _Probe:
    """Runs a model on flat float64 inputs; returns packed patterns (and predicted classes).

    Use as a context manager: hooks, ``no_grad``, eval mode for its whole life.
    """

    def __init__(self, model: Any, layers: Any, input_shape: tuple[int, ...], batch_size: int, name: str):
        check_region_model(model)
        self.model = model
        self.input_shape = tuple(int(s) for s in input_shape)
        _check_shape(model, self.input_shape, name)
        self.name = name
        self.batch_size = batch_size
        self.pre, self.post = sign_modules(model, layers)
        self.layers: tuple[str, ...] | None = None
        self.n_units: tuple[int, ...] = ()
        self._calls: list[tuple[str, Any]] = []
        self._values = False
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Probe:
        import torch

        _warn_nonlinear(self.model)
        self.dtype = float_dtype(self.model)
        try:
            self.device = self._stack.enter_context(on_device(self.model, None))
            self._stack.enter_context(torch.no_grad())
            self._stack.enter_context(_SignHooks(self.model, self.pre, self.post, self._record, self._begin))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()

    def _begin(self, args: tuple, kwargs: Any) -> None:
        self._calls = []

    def _record(self, name: str, tensor: Any) -> None:
        t = first_tensor(tensor)
        if t is None:
            raise ValueError(f"layers: module {name!r} produced no tensor to read a sign pattern from.")
        t = t.reshape(t.shape[0], -1)
        self._calls.append((name, t if self._values else (t > 0)))

    def _forward(self, X: Any) -> Any:
        try:
            return self.model(X)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise ValueError(
                f"{self.name}: the model could not run on inputs of shape {tuple(X.shape[1:])} (per sample): "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _names(self) -> tuple[str, ...]:
        seen: dict[str, int] = {}
        out = []
        for n, _ in self._calls:
            k = seen.get(n, 0)
            seen[n] = k + 1
            out.append(n if k == 0 else f"{n}#{k}")
        return tuple(out)

    def _check_calls(self) -> None:
        names = self._names()
        if not names:
            raise ValueError(
                f"model: none of the modules {[*self.pre, *self.post]} ran during the forward pass, so there is "
                "no activation pattern; name the modules the forward actually calls with layers=."
            )
        if self.layers is None:
            self.layers = names
            self.n_units = tuple(int(t.shape[1]) for _, t in self._calls)
        elif names != self.layers:
            raise ValueError(f"model: the forward pass called {names} this time but {self.layers} before.")

    def tensor(self, X: np.ndarray) -> Any:
        import torch

        X = X.reshape(len(X), *self.input_shape)
        if not X.flags.writeable:  # torch warns on read-only arrays (e.g. from frozen results)
            X = X.copy()
        return torch.as_tensor(X, dtype=self.dtype, device=self.device)

    def __call__(self, X: np.ndarray, *, predict: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Packed patterns, ndarray (n, total_bytes), and predicted classes (n,) or None."""
        bits, preds = [], []
        for i in range(0, len(X), self.batch_size):
            chunk = X[i : i + self.batch_size]
            self._calls = []
            out = self._forward(self.tensor(chunk))
            self._check_calls()
            bits.append(np.concatenate([np.packbits(t.cpu().numpy(), axis=1) for _, t in self._calls], axis=1))
            if predict:
                preds.append(_predict(out))
        total = sum((n + 7) // 8 for n in self.n_units)
        B = np.concatenate(bits) if bits else np.zeros((0, total), dtype=np.uint8)
        return B, (np.concatenate(preds) if predict else None)

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([(n + 7) // 8 for n in self.n_units])]).astype(np.int64)

    def split(self, B: np.ndarray) -> tuple[np.ndarray, ...]:
        o = self.offsets
        return tuple(_readonly(B[:, o[i] : o[i + 1]]) for i in range(len(o) - 1))


def _predict(out: Any) -> np.ndarray:
    t = first_tensor(out)
    if t is None:
        raise ValueError("model: its output holds no tensor to predict a class from.")
    t = t.reshape(t.shape[0], -1)
    pred = t.argmax(dim=1) if t.shape[1] > 1 else (t[:, 0] > 0).long()
    return pred.cpu().numpy().astype(np.int64)


def _inputs(X: Any, name: str, *, min_rows: int = 1) -> np.ndarray:
    """A finite float64 array of shape (n, *input_shape)."""
    arr = as_numpy(X, name=name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (n_samples, *input_shape), got shape {arr.shape}."
            + (" Use X.reshape(1, -1) for a single sample." if arr.ndim == 1 else "")
        )
    if len(arr) < min_rows:
        raise ValueError(f"{name} must hold at least {min_rows} sample(s), got shape {arr.shape}.")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains {int((~np.isfinite(arr)).sum())} NaN or infinite values.")
    return arr


def _point(x: Any, name: str) -> np.ndarray:
    arr = as_numpy(x, name=name).astype(np.float64, copy=False)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be one input (an array of the model's input shape), got a scalar.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


# -- activation patterns -------------------------------------------------------------------------


# the plane of regions_on_plane and regions_on_plane_exact (both rooms read it from here)
def _plane(origin: Any, u: Any, v: Any, points: Any, extent: Any,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, tuple[float, ...], tuple[int, ...]]:  # fmt: skip
    anchors = None
    if points is not None:
        if origin is not None or u is not None or v is not None:
            raise ValueError("pass either points (three inputs) or origin, u, v, not both.")
        P = _inputs(points, "points")
        if len(P) != 3:
            raise ValueError(f"points must hold exactly 3 inputs to span a plane, got {len(P)} (shape {P.shape}).")
        shape = P.shape[1:]
        F = P.reshape(3, -1)
        origin = F[0]
        e1 = F[1] - F[0]
        n1 = np.linalg.norm(e1)
        w = F[2] - F[0]
        e2 = w - (w @ e1) / max(n1**2, 1e-300) * e1
        n2 = np.linalg.norm(e2)
        scale = max(np.linalg.norm(w), n1, 1e-300)
        if n1 <= 1e-12 * scale or n2 <= 1e-9 * scale:
            raise ValueError("points: the three inputs are (nearly) collinear or repeated and span no plane.")
        u, v = e1 / n1, e2 / n2
        anchors = np.array([[0.0, 0.0], [n1, 0.0], [w @ u, w @ v]])
    elif origin is None or u is None or v is None:
        raise ValueError("regions_on_plane needs points=(three inputs) or all of origin, u and v.")
    else:
        o = _point(origin, "origin")
        shape = o.shape
        origin = o.ravel()
        u, v = _point(u, "u").ravel(), _point(v, "v").ravel()
        for nm, vec in (("u", u), ("v", v)):
            if vec.size != origin.size:
                raise ValueError(f"{nm} must have {origin.size} entries like origin, got {vec.size}.")
        if np.linalg.matrix_rank(np.column_stack([u, v])) < 2:
            raise ValueError("u and v must be linearly independent to span a plane.")
    if extent is None:
        if anchors is not None:
            lo, hi = anchors.min(axis=0), anchors.max(axis=0)
            pad = 0.5 * float((hi - lo).max())
            extent = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
        else:
            extent = (-1.0, 1.0, -1.0, 1.0)
    ext = as_numpy(extent, name="extent", dtype=np.float64).ravel()
    if ext.size != 4 or not np.isfinite(ext).all() or ext[0] >= ext[1] or ext[2] >= ext[3]:
        raise ValueError(f"extent must be (s_min, s_max, t_min, t_max) with min < max, got {tuple(ext)}.")
    return origin, u, v, anchors, tuple(float(e) for e in ext), tuple(int(s) for s in shape)
