"""How a ReLU network shatters its input space: activation regions on paths and planes.

A network whose nonlinearities are ReLU-type modules (``nn.ReLU``, ``nn.LeakyReLU``,
``nn.PReLU``, ``nn.RReLU`` in eval mode) and whose other layers are affine (Linear,
convolutions, BatchNorm in eval mode, average pooling, residual sums, flattening) is
piecewise linear. Its *activation pattern* at an input ``x`` is the sign of every
unit's pre-activation, ``z_j(x) > 0``. The inputs that share a pattern form a convex
polyhedron on which the network is affine (fixing the pattern of layers ``< l`` makes
layer ``l``'s pre-activations affine in ``x``, so the pattern's set is cut out by
linear inequalities). The same holds for the pattern of the first ``l`` layers alone,
which gives the *cumulative* counts per layer reported here.

References: Montufar, Pascanu, Cho, Bengio, "On the number of linear regions of deep
neural networks", NeurIPS 2014; Serra, Tjandraatmadja, Ramalingam, "Bounding and
counting linear regions of deep neural networks", ICML 2018; Hanin and Rolnick,
"Complexity of linear regions in deep networks", ICML 2019 and "Deep ReLU networks
have surprisingly few activation patterns", NeurIPS 2019; Novak et al., "Sensitivity
and generalization in neural networks", ICLR 2018 (region transitions along paths
between data points).

Sign patterns are recorded through the forward-hook machinery of
:mod:`tda_nn.capture` (``tda_nn._hooks._Hooks``): ReLU-type modules are read at
their *input* (the pre-activation, so in-place ReLUs and negative leaky slopes are
handled), modules named through ``layers=`` (e.g. a block that calls ``F.relu``) at
their output, ``output > 0``. Patterns are bit-packed along units, so 10^5 inputs x
10^3 units take 12.5 MB.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._hooks import _first_tensor, _float_dtype, _Hooks, _on_device, _resolve_layers
from .._validation import as_numpy, check_choice, check_int, check_real

__all__ = [
    "ActivationPatterns",
    "BoundaryDistance",
    "PathRegions",
    "PlaneRegions",
    "RegionDensity",
    "activation_patterns",
    "distance_to_boundary",
    "region_bound",
    "region_counts",
    "region_density",
    "regions_on_path",
    "regions_on_plane",
]

_RELU_TYPES = ("ReLU", "LeakyReLU", "PReLU", "RReLU")
# nonlinear modules whose breakpoints are not recorded: warn that regions are of the ReLU patterns only
_OTHER_NONLINEAR = (
    "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "SELU", "CELU", "Softplus", "Mish", "Hardswish", "Hardsigmoid",
    "Hardtanh", "ReLU6", "Softsign", "Tanhshrink", "LogSigmoid", "Hardshrink", "Softshrink", "Threshold",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "LayerNorm", "GroupNorm", "MultiheadAttention",
)  # fmt: skip


# -- results -------------------------------------------------------------------------------------
def _row_ids(B: np.ndarray) -> tuple[np.ndarray, int]:
    """Ids ``0..k-1`` of the distinct rows of a uint8 matrix, and ``k``."""
    n, w = B.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    if w == 0:
        return np.zeros(n, dtype=np.int64), 1
    rows = np.ascontiguousarray(B).view(np.dtype((np.void, w))).ravel()
    _, inv = np.unique(rows, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    return inv, int(inv.max()) + 1


def _combine(a: np.ndarray, b: np.ndarray, nb: int) -> tuple[np.ndarray, int]:
    """Ids of the distinct pairs ``(a[i], b[i])``."""
    _, inv = np.unique(a * nb + b, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    return inv, (int(inv.max()) + 1 if inv.size else 0)


def _cumulative_ids(bits: Sequence[np.ndarray]) -> list[tuple[np.ndarray, int]]:
    """Per layer ``l``: ids of the distinct patterns of layers ``0..l`` and their number."""
    out: list[tuple[np.ndarray, int]] = []
    for layer, B in enumerate(bits):
        ids, k = _row_ids(B)
        if layer:
            ids, k = _combine(out[-1][0], ids, k)
        out.append((ids, k))
    return out


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False)
class ActivationPatterns:
    """Bit-packed ReLU sign patterns of a set of inputs, per layer.

    Attributes
    ----------
    layers : tuple of str
        Recorded modules in the order the forward pass calls them (a module called
        twice appears as ``name`` and ``name#1``).
    bits : tuple of ndarray of shape (n_inputs, ceil(n_units[l] / 8)), dtype uint8
        ``np.packbits`` of the boolean patterns ``z > 0`` along units (big-endian bit
        order, zero-padded).
    n_units : tuple of int
        Units per layer (all positions of a convolution's feature map count).
    n_inputs : int

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(3, 2)); _ = net[0].bias.zero_()
    >>> P = activation_patterns(net, np.array([[1.0, 1.0], [1.0, -1.0], [2.0, 3.0]]))
    >>> P.count(), P.unpack(0).astype(int).tolist()
    (2, [[1, 1, 0], [1, 0, 0], [1, 1, 0]])
    """

    layers: tuple[str, ...]
    bits: tuple[np.ndarray, ...]
    n_units: tuple[int, ...]
    n_inputs: int

    def _index(self, layer: int | str) -> int:
        if isinstance(layer, str):
            if layer not in self.layers:
                raise ValueError(f"layer {layer!r} is not among the recorded layers {list(self.layers)}.")
            return self.layers.index(layer)
        idx = check_int(layer, name="layer", min_value=-len(self.layers), max_value=len(self.layers) - 1)
        return idx % len(self.layers)

    def unpack(self, layer: int | str) -> np.ndarray:
        """Boolean patterns of one layer, ndarray of shape (n_inputs, n_units)."""
        i = self._index(layer)
        return np.unpackbits(self.bits[i], axis=1, count=self.n_units[i]).astype(bool)

    def region_ids(self, layer: int | str = -1) -> np.ndarray:
        """Region id of each input, by the patterns of all layers up to ``layer`` (int64, shape (n_inputs,))."""
        i = self._index(layer)
        return _cumulative_ids(self.bits[: i + 1])[-1][0]

    def count(self, layer: int | str = -1) -> int:
        """Number of distinct patterns of the layers up to ``layer`` (default: all layers)."""
        i = self._index(layer)
        return _cumulative_ids(self.bits[: i + 1])[-1][1]

    def cumulative_counts(self) -> np.ndarray:
        """Distinct patterns of layers ``0..l`` for every ``l``, int64 ndarray of shape (n_layers,)."""
        return np.array([k for _, k in _cumulative_ids(self.bits)], dtype=np.int64)

    def layer_counts(self) -> np.ndarray:
        """Distinct patterns of each layer on its own, int64 ndarray of shape (n_layers,)."""
        return np.array([_row_ids(B)[1] for B in self.bits], dtype=np.int64)

    @property
    def nbytes(self) -> int:
        return int(sum(B.nbytes for B in self.bits))

    def __repr__(self) -> str:
        return (f"ActivationPatterns(n_inputs={self.n_inputs}, layers={len(self.layers)}, "
                f"n_units={self.n_units}, {self.nbytes / 2**20:.2f} MiB)")


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
        return f"PlaneRegions(n_regions={self.n_regions}, counts={self.counts.tolist()}, resolution={r})"


@dataclass(frozen=True, repr=False)
class RegionDensity:
    """Regions crossed by straight paths between pairs of samples.

    Attributes
    ----------
    same, different : ndarray of shape (n_pairs, n_layers)
        Regions crossed (cumulative per layer; the last column is the whole network)
        on paths between samples of the same class / of different classes.
    same_length, different_length : ndarray of shape (n_pairs,)
        Euclidean lengths of those paths.
    same_pairs, different_pairs : ndarray of shape (n_pairs, 2)
        Sample indices of each pair.
    layers : tuple of str
    """

    same: np.ndarray
    different: np.ndarray
    same_length: np.ndarray
    different_length: np.ndarray
    same_pairs: np.ndarray
    different_pairs: np.ndarray
    layers: tuple[str, ...]

    @property
    def same_mean(self) -> float:
        """Mean regions crossed between samples of the same class (whole network)."""
        return float(self.same[:, -1].mean()) if len(self.same) else math.nan

    @property
    def different_mean(self) -> float:
        """Mean regions crossed between samples of different classes (whole network)."""
        return float(self.different[:, -1].mean()) if len(self.different) else math.nan

    @property
    def same_per_length(self) -> float:
        """Mean boundary crossings per unit length, same class."""
        return _per_length(self.same[:, -1], self.same_length)

    @property
    def different_per_length(self) -> float:
        """Mean boundary crossings per unit length, different classes."""
        return _per_length(self.different[:, -1], self.different_length)

    def __repr__(self) -> str:
        return (f"RegionDensity(same_mean={self.same_mean:.2f}, different_mean={self.different_mean:.2f}, "
                f"n_pairs=({len(self.same)}, {len(self.different)}))")


def _per_length(counts: np.ndarray, length: np.ndarray) -> float:
    ok = length > 0
    return float(np.mean((counts[ok] - 1) / length[ok])) if ok.any() else math.nan


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


def region_bound(n_units: Sequence[int], dim: int) -> int:
    """Product bound on the number of linear regions of a ReLU network on a ``dim``-dimensional input.

    ``prod_l sum_{j=0}^{min(dim, n_l)} C(n_l, j)``: every region of the first ``l - 1``
    layers is a convex set of dimension at most ``dim`` on which layer ``l``'s ``n_l``
    pre-activations are affine, and ``n_l`` hyperplanes cut such a set into at most
    ``sum_{j<=dim} C(n_l, j)`` pieces (Zaslavsky). Serra et al. (2018) give a tighter bound.

    Examples
    --------
    >>> region_bound([4], 2), region_bound([4, 3], 2)
    (11, 77)
    """
    dim = check_int(dim, name="dim", min_value=0)
    total = 1
    for n in n_units:
        n = check_int(n, name="n_units", min_value=0)
        total *= sum(math.comb(n, j) for j in range(min(dim, n) + 1))
    return total


# -- the probe: model -> packed patterns ---------------------------------------------------------
class _SignHooks(_Hooks):
    """:class:`_Hooks` plus forward *pre*-hooks on ReLU-type modules, to read their pre-activations.

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


def _check_model(model: Any) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")


def _sign_modules(model: Any, layers: Any) -> tuple[list[str], list[str]]:
    """Names of modules read at their input (ReLU-type) and at their output (named by the user)."""
    mods = dict(model.named_modules())
    if layers is None:
        pre = [n for n, m in mods.items() if n and type(m).__name__ in _RELU_TYPES]
        if not pre and type(model).__name__ in _RELU_TYPES:
            raise ValueError("model is a bare activation module; wrap it with the layers before it.")
        if not pre:
            present = sorted({type(m).__name__ for m in mods.values()})
            raise ValueError(
                f"model: {type(model).__name__} has no ReLU-type modules (nn.ReLU, nn.LeakyReLU, nn.PReLU, "
                f"nn.RReLU); its module types are {present}. If its forward calls F.relu, use nn.ReLU() modules "
                "or pass layers=[names of modules whose outputs are post-ReLU]."
            )
        return pre, []
    names = [n for n in _resolve_layers(model, layers) if n != "input"]
    if not names:
        raise ValueError("layers: 'input' has no activation pattern; name ReLU-type modules instead.")
    pre = [n for n in names if type(mods[n]).__name__ in _RELU_TYPES]
    return pre, [n for n in names if n not in pre]


def _warn_nonlinear(model: Any) -> None:
    other = sorted({type(m).__name__ for m in model.modules() if type(m).__name__ in _OTHER_NONLINEAR})
    if other:
        warnings.warn(
            f"model has nonlinear modules whose breakpoints are not recorded ({', '.join(other)}); the "
            "regions counted are those of the ReLU sign patterns, on which the model need not be affine "
            "(and, along paths, need not be convex).",
            UserWarning,
            stacklevel=3,
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
        _check_model(model)
        self.model = model
        self.input_shape = tuple(int(s) for s in input_shape)
        _check_shape(model, self.input_shape, name)
        self.name = name
        self.batch_size = batch_size
        self.pre, self.post = _sign_modules(model, layers)
        self.layers: tuple[str, ...] | None = None
        self.n_units: tuple[int, ...] = ()
        self._calls: list[tuple[str, Any]] = []
        self._values = False
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Probe:
        import torch

        _warn_nonlinear(self.model)
        self.dtype = _float_dtype(self.model)
        try:
            self.device = self._stack.enter_context(_on_device(self.model, None))
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
        t = _first_tensor(tensor)
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
    t = _first_tensor(out)
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
def activation_patterns(model: Any, X: Any, *, layers: Any = None, batch_size: int = 4096) -> ActivationPatterns:
    """Record the ReLU sign pattern of every unit for every input.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode under ``torch.no_grad``; its modes are restored afterwards.
    X : array-like of shape (n_samples, *input_shape)
    layers : str, type, or list of those, optional
        Modules to read (names, glob patterns, module types, as in :func:`tda_nn.capture`).
        Default: every ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.PReLU`` and ``nn.RReLU``.
    batch_size : int, default=4096

    Returns
    -------
    ActivationPatterns

    Raises
    ------
    ValueError
        The model has no ReLU-type module; ``X`` does not fit the model.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> P = activation_patterns(net, np.random.default_rng(0).normal(size=(100, 2)))
    >>> P.layers, P.n_units, P.bits[0].shape
    (('1',), (8,), (100, 1))
    """
    X = _inputs(X, "X")
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        B, _ = probe(X.reshape(len(X), -1))
    return ActivationPatterns(tuple(probe.layers or ()), probe.split(B), probe.n_units, len(X))


# -- paths ---------------------------------------------------------------------------------------
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
            stacklevel=3,
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
) -> PlaneRegions:
    """Activation regions on the 2-D slice ``origin + s * u + t * v`` of the input space.

    The model runs on a ``resolution x resolution`` grid over ``extent``; grid points
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
    from ..homology._memory import MemoryBudgetError, default_budget, format_bytes

    resolution = check_int(resolution, name="resolution", min_value=2)
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    if max_memory is None:
        budget = float(default_budget())
    else:
        from ..capture import _parse_bytes

        budget = _parse_bytes(max_memory)
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
def _pairs(y: np.ndarray, n_pairs: int, same: bool, rng: np.random.Generator) -> np.ndarray:
    n = len(y)
    out = np.zeros((0, 2), dtype=np.int64)
    for _ in range(50):  # rejection sampling in batches; classes are rarely that unbalanced
        i = rng.integers(0, n, size=4 * n_pairs)
        j = rng.integers(0, n, size=4 * n_pairs)
        ok = (i != j) & ((y[i] == y[j]) if same else (y[i] != y[j]))
        out = np.concatenate([out, np.column_stack([i[ok], j[ok]])])
        if len(out) >= n_pairs:
            break
    return out[:n_pairs]


def region_density(
    model: Any,
    X: Any,
    y: Any,
    *,
    n_pairs: int = 100,
    seed: int = 0,
    tol: float = 1e-6,
    n_samples: int = 32,
    max_depth: int = 60,
    layers: Any = None,
    batch_size: int = 4096,
) -> RegionDensity:
    """Regions crossed by straight paths between samples of the same and of different classes.

    Pairs ``(i, j)``, ``i != j``, are drawn uniformly with replacement among those of
    equal (resp. different) labels; each path is traced as in :func:`regions_on_path`,
    all of them in the same batched forward passes.

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, *input_shape)
    y : array-like of shape (n_samples,)
        Class labels.
    n_pairs : int, default=100
        Pairs of each kind.
    seed : int, default=0
    tol, n_samples, max_depth, layers, batch_size
        As in :func:`regions_on_path`.

    Returns
    -------
    RegionDensity

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> d = region_density(net, X, y, n_pairs=20)
    >>> d.same.shape, bool(d.different_mean >= 1)
    ((20, 1), True)
    """
    X = _inputs(X, "X", min_rows=2)
    y = as_numpy(y, name="y").ravel()
    if len(y) != len(X):
        raise ValueError(f"y must have one label per sample of X ({len(X)}), got {len(y)}.")
    n_pairs = check_int(n_pairs, name="n_pairs", min_value=1)
    seed = check_int(seed, name="seed", min_value=0)
    n_samples, tol, max_depth, batch_size = _path_defaults(n_samples, tol, max_depth, batch_size)
    rng = np.random.default_rng(seed)
    same, diff = _pairs(y, n_pairs, True, rng), _pairs(y, n_pairs, False, rng)
    if len(same) == 0:
        warnings.warn("y: no class has two samples; no same-class pairs.", UserWarning, stacklevel=2)
    if len(diff) == 0:
        warnings.warn("y: all samples share one class; no different-class pairs.", UserWarning, stacklevel=2)
    pairs = np.concatenate([same, diff])
    F = X.reshape(len(X), -1)
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        if len(pairs):
            seg, _, bits = _trace(probe, F[pairs[:, 0]], F[pairs[:, 1]], n_samples=n_samples, tol=tol,
                                  max_depth=max_depth)  # fmt: skip
        else:
            probe(F[:1])
            seg, bits = np.zeros(0, dtype=np.int64), np.zeros((0, int(probe.offsets[-1])), dtype=np.uint8)
    n_layers = len(probe.n_units)
    i = np.flatnonzero(seg[:-1] == seg[1:])
    changes = _layer_changes(bits, probe.offsets, i, i + 1)
    counts = np.ones((len(pairs), n_layers), dtype=np.int64)
    np.add.at(counts, seg[i], changes.astype(np.int64))
    length = np.linalg.norm(F[pairs[:, 1]] - F[pairs[:, 0]], axis=1) if len(pairs) else np.zeros(0)
    k = len(same)
    return RegionDensity(
        same=_readonly(counts[:k]),
        different=_readonly(counts[k:]),
        same_length=_readonly(length[:k]),
        different_length=_readonly(length[k:]),
        same_pairs=_readonly(same),
        different_pairs=_readonly(diff),
        layers=tuple(probe.layers or ()),
    )


# -- distance to the nearest boundary ------------------------------------------------------------
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
            rng = np.random.default_rng(seed)
            dist, layer = _search_distances(probe, F, n_directions, max_distance, tol, rng)
            unit, n_dir = np.full(len(F), -1, dtype=np.int64), n_directions
    return BoundaryDistance(_readonly(dist), _readonly(layer), _readonly(unit), method,
                            tuple(probe.layers or ()), n_dir)  # fmt: skip


# -- over training -------------------------------------------------------------------------------
def region_counts(
    model: Any,
    X: Any,
    *,
    plane: Literal["data"] | Mapping[str, Any] | None = "data",
    resolution: int = 64,
    seed: int = 0,
    layers: Any = None,
    batch_size: int = 4096,
) -> dict[str, float]:
    """A few scalar region counts, cheap enough to log at every training step.

    Keys: ``'patterns'`` (distinct activation patterns on ``X``), ``'patterns_fraction'``
    (that over ``len(X)``: 1 when every sample has its own region),
    ``'patterns/<layer>'`` (distinct patterns of the layers up to ``<layer>``), and with
    a plane ``'plane_regions'`` (regions on the plane at ``resolution``).

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, *input_shape)
        Keep it fixed across calls so the series are comparable.
    plane : 'data', mapping or None, default='data'
        ``'data'``: the plane through three samples of ``X`` picked by ``seed`` (the same
        ones at every call). A mapping is passed to :func:`regions_on_plane` (``origin``,
        ``u``, ``v``, ``points``, ``extent``). ``None`` skips the plane.
    resolution : int, default=64
    seed : int, default=0
    layers, batch_size
        As in :func:`activation_patterns`.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> c = region_counts(net, np.random.default_rng(0).normal(size=(50, 2)))
    >>> sorted(c)
    ['patterns', 'patterns/1', 'patterns_fraction', 'plane_regions']
    """
    X = _inputs(X, "X")
    P = activation_patterns(model, X, layers=layers, batch_size=batch_size)
    cum = P.cumulative_counts()
    out: dict[str, float] = {"patterns": float(cum[-1]), "patterns_fraction": float(cum[-1]) / len(X)}
    out.update({f"patterns/{name}": float(c) for name, c in zip(P.layers, cum)})
    if plane is None:
        return out
    if isinstance(plane, str):
        check_choice(plane, name="plane", choices=("data",))
        if len(X) < 3:
            raise ValueError(f"plane='data' needs at least 3 samples in X, got {len(X)}; pass plane=None.")
        idx = np.random.default_rng(check_int(seed, name="seed", min_value=0)).choice(len(X), 3, replace=False)
        spec: Mapping[str, Any] = {"points": X[np.sort(idx)]}
    elif isinstance(plane, Mapping):
        spec = plane
    else:
        raise TypeError(f"plane must be 'data', a mapping of regions_on_plane arguments or None, got {plane!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # activation_patterns above already warned
        res = regions_on_plane(model, **spec, resolution=resolution, layers=layers, batch_size=batch_size)
    out["plane_regions"] = float(res.n_regions)
    return out
