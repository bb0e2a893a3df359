"""Loops tracked across depth: does the loop a layer's samples make survive the next layer?

Every layer's point cloud is made of the same samples, so a loop found in one layer
(a closed sequence of sample indices, see :mod:`~tda_nn.cycles.representatives`) can
be read in any other layer: the same vertex sequence is a cycle of that layer's Rips
complex at every scale ``r >= a`` (``a`` = its longest edge there), and it is a
boundary from some scale ``c`` on (boundaries stay boundaries as ``r`` grows). So in
each layer the loop is non-trivial exactly on one interval ``[a, c)``, possibly empty.

**How ``c`` is computed.** ripser.py's persistent cohomology (over Z/2) gives, for
each bar ``[b_j, d_j)`` of a layer, a cocycle ``phi_j``; at every scale ``r`` the
cocycles of the bars alive at ``r`` form a basis of ``H^1`` of the complex at ``r``,
and over a field a cycle is a boundary iff every cocycle vanishes on it. So the loop
``z`` is non-trivial at ``r >= a`` iff some bar alive at ``r`` has ``phi_j(z) = 1``,
i.e. on ``[a, inf) ∩ U [b_j, d_j)`` over the bars detecting ``z``. The bar detecting
``z`` that lives longest from ``a`` is its *carrier* in that layer. (The tests check
``c`` against a direct Z/2 reduction of the boundary matrix on small clouds.) This is
the image of the loop's class under the identity-on-samples map, read one cycle at a
time; it is not a full zigzag or image-persistence module between layers.

**Lifelines.** Layers are visited in depth order. A lifeline continues into the next
layer when its loop is non-trivial there over more than ``min_persistence``; if
several lifelines are carried by the same bar of that layer, the eldest continues and
the others end as ``'merged'`` into it; a lifeline whose loop is trivial (or too
short-lived) in the next layer ends as ``'died'``; one that reaches the last layer
``'survives'``. A chosen bar (significant, or among the longest) of a layer that no
lifeline carries starts a new lifeline, which is extended backwards through the
earlier layers where its loop is already non-trivial (``born`` is the first of them).
When a chosen bar is carried by a lifeline, its representative replaces the
lifeline's loop from that layer on.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from .representatives import Cycle, _choose, _distances, _json_float, _make_cycle, _match, _readonly, _ripser_h1, _val

__all__ = ["Lifeline", "Lifelines", "loop_scales", "track_features"]

_NAN = (float("nan"), float("nan"))


@dataclass(frozen=True, repr=False)
class Lifeline:
    """One loop followed across depth.

    Attributes
    ----------
    id : int
    born : str
        First layer of the contiguous run of layers where the loop is non-trivial.
    layers : tuple of str
        That run, in depth order: every layer the lifeline persists through.
    found : tuple of str
        Layers where the loop was one of the chosen bars (significant or longest).
    end : {'died', 'merged', 'survives'}
        'died': in the next layer the loop is a boundary as soon as it exists, or it
        stays non-trivial over no more than ``min_persistence`` scales (see ``scales``);
        'merged': it is carried there by the same bar as an elder lifeline.
    ended_at : str or None
        First layer after ``layers`` (where it died or merged); None if it survives.
    merged_into : int or None
        The lifeline it merged into.
    scales : dict of str to (float, float)
        For every layer, the interval ``[a, c)`` of scales where the loop is a
        non-trivial cycle there; ``(nan, nan)`` where it never is. Layers before
        ``born`` are read with the first loop, later ones with the last.
    carriers : dict of str to (float, float)
        For each layer in ``layers``, the bar of that layer's diagram carrying the loop.
    cycle : Cycle
        The loop where it was first found (indices into the original samples).
    """

    id: int
    born: str
    layers: tuple[str, ...]
    found: tuple[str, ...]
    end: Literal["died", "merged", "survives"]
    ended_at: str | None
    merged_into: int | None
    scales: dict[str, tuple[float, float]]
    carriers: dict[str, tuple[float, float]]
    cycle: Cycle

    def __repr__(self) -> str:
        tail = {"died": f"died at {self.ended_at!r}", "merged": f"merged into {self.merged_into} at {self.ended_at!r}",
                "survives": "survives"}[self.end]
        return f"Lifeline(id={self.id}, {self.layers[0]!r} -> {self.layers[-1]!r}, {tail})"


@dataclass(frozen=True, repr=False)
class Lifelines(Sequence):
    """Loops tracked across the layers of a network: a table of :class:`Lifeline`.

    Attributes
    ----------
    lifelines : tuple of Lifeline
    layers : tuple of str
        All layers, in depth order.
    samples : ndarray of shape (n_used,)
        Rows of the activations the complexes were built on (all of them without landmarks).
    min_persistence : dict of str to float
        Lifetime a loop needed in each layer to count as persisting there.
    """

    lifelines: tuple[Lifeline, ...]
    layers: tuple[str, ...]
    samples: np.ndarray
    min_persistence: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lifelines)

    def __getitem__(self, i: Any) -> Any:
        return self.lifelines[i]

    def __iter__(self):
        return iter(self.lifelines)

    def table(self) -> dict[str, list[Any]]:
        """Columns of the lifeline table: id, born, last layer, n_layers, end, ended_at, merged_into, found."""
        return {
            "id": [f.id for f in self],
            "born": [f.born for f in self],
            "last": [f.layers[-1] for f in self],
            "n_layers": [len(f.layers) for f in self],
            "end": [f.end for f in self],
            "ended_at": [f.ended_at for f in self],
            "merged_into": [f.merged_into for f in self],
            "found": [list(f.found) for f in self],
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the table plus scales per layer and each lifeline's first loop (sample indices)."""
        out: dict[str, Any] = {"layers": list(self.layers), "samples": self.samples.tolist(),
                               "min_persistence": dict(self.min_persistence), "lifelines": []}
        for f in self:
            out["lifelines"].append({
                "id": f.id, "born": f.born, "layers": list(f.layers), "found": list(f.found), "end": f.end,
                "ended_at": f.ended_at, "merged_into": f.merged_into,
                "scales": {k: [_json_float(x) for x in v] for k, v in f.scales.items()},
                "carriers": {k: [_json_float(x) for x in v] for k, v in f.carriers.items()},
                "indices": f.cycle.indices.tolist(), "bar": [_json_float(x) for x in f.cycle.bar]})
        return out

    def plot(self, *, ax: Any = None, title: str | None = None):
        """Lifelines across depth; see :func:`tda_nn.plotting.cycles.plot_lifelines`."""
        from ..plotting.cycles import plot_lifelines

        return plot_lifelines(self, ax=ax, title=title)

    def __repr__(self) -> str:
        ends = {e: sum(f.end == e for f in self) for e in ("survives", "died", "merged")}
        return (f"Lifelines(n={len(self)}, layers={len(self.layers)}, survives={ends['survives']}, "
                f"died={ends['died']}, merged={ends['merged']})")


# --- reading a loop in one layer ---------------------------------------------------------------------------------


@dataclass
class _Layer:
    name: str
    D: np.ndarray
    bars: np.ndarray
    edges: np.ndarray
    keys: list[np.ndarray]
    min_pers: float = 0.0
    chosen: list[int] = field(default_factory=list)


def _keys(loop: np.ndarray, n: int) -> np.ndarray:
    nxt = np.roll(loop, -1)
    return np.minimum(loop, nxt) * n + np.maximum(loop, nxt)


def _loop_interval(loop: np.ndarray, layer: _Layer) -> tuple[tuple[float, float], int]:
    """Scales ``[a, c)`` where ``loop`` is a non-trivial cycle of ``layer``, and its carrier bar (-1 if none)."""
    D = layer.D
    n = D.shape[0]
    a = float(D[loop, np.roll(loop, -1)].max())
    z = _keys(loop, n)
    tol = 1e-6 * max(1.0, a)
    spans = []
    for j, k in enumerate(layer.keys):
        if np.count_nonzero(np.isin(z, k, assume_unique=False)) % 2:
            b, d = layer.bars[j]
            if d > a + tol:
                spans.append((max(b, a), d, j))
    alive = [(d, j) for (s, d, j) in spans if s <= a + tol]
    if not alive:
        return _NAN, -1
    c, carrier = max(alive)
    for s, d, _ in sorted(spans):  # a later detecting bar can prolong the interval only if it overlaps
        if s <= c + tol:
            c = max(c, d)
    return (a, float(c)), int(carrier)


def loop_scales(
    X: Any,
    indices: Any,
    *,
    metric: Literal["euclidean", "cosine", "correlation", "precomputed"] = "euclidean",
) -> tuple[float, float]:
    """Scales ``[a, c)`` over which a closed loop of samples is a non-trivial cycle of the Rips complex of ``X``.

    ``a`` is the loop's longest edge in ``X`` (it is a cycle from there on) and ``c`` the
    scale at which it becomes a boundary (Z/2 coefficients); ``(nan, nan)`` when it is a
    boundary as soon as it exists. Use it to ask whether the samples of a loop found in
    one layer still form a loop in another.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) if precomputed
    indices : array-like of int, shape (k,)
        The loop's samples in order (closing from the last back to the first), ``k >= 3``.
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'

    Returns
    -------
    tuple of float
        ``(a, c)``; ``c`` may be ``inf`` only for an essential class, which a finite
        Rips filtration does not have.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> a, c = loop_scales(X, np.arange(8))  # a boundary once the 3-step chords enter
    >>> round(a, 4), round(c, 4)
    (0.7654, 1.8478)
    >>> loop_scales(X[:, :1], np.arange(8))
    (nan, nan)
    """
    metric = _val.check_choice(metric, name="metric", choices=("euclidean", "cosine", "correlation", "precomputed"))
    D = _distances(X, metric)
    loop = _val.as_numpy(indices, name="indices")
    if loop.ndim != 1 or len(loop) < 3 or not np.issubdtype(loop.dtype, np.integer):
        raise ValueError(f"indices must be a 1-D sequence of at least 3 sample indices, got {loop!r:.80}.")
    if loop.min() < 0 or loop.max() >= len(D):
        raise ValueError(f"indices must lie in [0, {len(D)}), got values from {loop.min()} to {loop.max()}.")
    E, B, K = _ripser_h1(D)
    keep = B[:, 1] > B[:, 0]
    layer = _Layer("X", D, B[keep], E[keep], [k for k, ok in zip(K, keep) if ok])
    return _loop_interval(loop.astype(np.intp), layer)[0]


def _persists(iv: tuple[float, float], min_pers: float) -> bool:
    return bool(np.isfinite(iv[0]) and iv[1] - iv[0] > min_pers)


# --- inputs ------------------------------------------------------------------------------------------------------


def _layer_arrays(activations: Any, layers: Any) -> tuple[list[str], list[np.ndarray]]:
    if not isinstance(activations, Mapping):
        raise TypeError(f"activations must be a mapping layer -> (n_samples, n_features) array (a dict or "
                        f"tda_nn.Activations), got {type(activations).__name__}.")
    names = list(activations.keys()) if layers is None else layers
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"layers must be a sequence of layer names in depth order, got {type(names).__name__}.")
    names = [str(x) for x in names]
    if len(names) < 1:
        raise ValueError("layers must name at least one layer, got none.")
    if len(set(names)) != len(names):
        raise ValueError(f"layers must not repeat a name, got {names}.")
    arrays, n = [], None
    for name in names:
        if name not in activations:
            raise ValueError(f"layers names {name!r}, which is not in activations.{_val.suggest(name, activations)}")
        A = _val.as_numpy(activations[name], name=f"activations[{name!r}]")
        if A.ndim < 2:
            raise ValueError(f"activations[{name!r}] must have shape (n_samples, ...), got shape {A.shape}.")
        A = A.reshape(A.shape[0], -1)
        if n is not None and A.shape[0] != n:
            raise ValueError(f"every layer must hold the same samples: activations[{names[0]!r}] has {n} rows, "
                             f"activations[{name!r}] has {A.shape[0]}.")
        n = A.shape[0]
        arrays.append(A)
    return names, arrays


def _per_layer(value: Any, names: list[str], what: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        missing = [x for x in names if x not in value]
        if missing:
            raise ValueError(f"{what} as a mapping needs every layer; missing {missing}.")
        return {x: value[x] for x in names}
    return {x: value for x in names}


def _choose_layer(layer: _Layer, bars_arg: Any, metric_D: np.ndarray, seed: Any,
                  significance: Mapping[str, Any] | None) -> float | None:
    """Set ``layer.chosen``; return the significance threshold when bars='significant'."""
    life = layer.bars[:, 1] - layer.bars[:, 0]
    if isinstance(bars_arg, str) and bars_arg == "significant":
        from ..diagnostics.significance import significant_bars

        res = significant_bars(metric_D, maxdim=1, metric="precomputed", seed=seed, **dict(significance or {}))
        sig = np.asarray(res.diagrams[1], dtype=float).reshape(-1, 2)
        scale = float(np.max(layer.bars[np.isfinite(layer.bars)], initial=1.0))
        layer.chosen = _match(sig, layer.bars, 1e-4 * max(scale, 1.0) + 1e-9, "significant_bars") if len(sig) else []
        layer.chosen.sort(key=lambda j: -life[j])
        if getattr(res, "statistic", "lifetime") == "lifetime":  # the band: a lifetime threshold
            return float(res.threshold[1])
        # the universal test thresholds death / birth: as a lifetime, what a bar born at the layer's median
        # birth needs to pass it, lowered to the shortest significant bar's (so every chosen bar counts)
        births = layer.bars[:, 0][layer.bars[:, 0] > 0]
        floor = float(np.median(births) * (res.threshold[1] - 1.0)) if len(births) else 0.0
        kept = life[layer.chosen]  # this layer's own bars matched to the significant ones
        kept = kept[np.isfinite(kept)]
        return min(floor, float(np.nextafter(kept.min(), 0.0))) if len(kept) else floor
    layer.chosen = _choose(bars_arg, layer.bars, None, metric="precomputed", n_landmarks=None, seed=seed,
                           significance=None)
    return None


def track_features(
    activations: Mapping[str, Any],
    layers: Sequence[str] | None = None,
    *,
    dim: int = 1,
    bars: Literal["significant"] | int | Mapping[str, Any] = "significant",
    metric: Literal["euclidean", "cosine", "correlation"] = "euclidean",
    n_landmarks: int | None = None,
    min_persistence: float | Mapping[str, float] | None = None,
    seed: int | None = 0,
    significance: Mapping[str, Any] | None = None,
) -> Lifelines:
    """Follow each loop of each layer through the other layers, which share the samples.

    Parameters
    ----------
    activations : mapping of str to array of shape (n_samples, ...)
        Layer name -> activations of the same samples (a dict or ``tda_nn.Activations``);
        extra axes are flattened.
    layers : sequence of str or None, default=None
        Layers in depth order; ``None`` takes the mapping's order.
    dim : int, default=1
        Only loops (``dim=1``) are tracked.
    bars : 'significant', int, or mapping of layer to (k, 2) bars, default='significant'
        Which bars of each layer start or confirm lifelines: those
        ``significant_bars`` keeps (computed on the cloud used here), the ``bars``
        longest, or explicit bars per layer.
    metric : {'euclidean', 'cosine', 'correlation'}, default='euclidean'
    n_landmarks : int or None, default=None
        Build every layer's complex on the union of each layer's ``n_landmarks``
        max-min landmarks (the same rows in every layer, so loops stay readable).
        Significance is then computed on those rows; the landmark bound is not added.
    min_persistence : float, mapping of layer to float, or None, default=None
        Scales a loop must stay non-trivial over in a layer to persist there. ``None``:
        with ``bars='significant'``, for the universal test the lifetime a bar born at
        the layer's median H1 birth needs to pass its death/birth threshold (at most
        the shortest significant bar's), for the band its lifetime threshold; else 0.
        Chosen bars shorter than this start no lifeline.
    seed : int or None, default=0
        Seeds landmarks and significance resamples.
    significance : mapping or None, default=None
        Extra keyword arguments for ``significant_bars``.

    Returns
    -------
    Lifelines
        A table of :class:`Lifeline` (born, layers, found, end, scales per layer),
        with ``.plot()``.

    Raises
    ------
    ValueError
        Unknown layer names, layers with different numbers of samples, ``dim != 1``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> acts = {"in": X, "lift": X @ np.array([[1.0, 0, 2], [0, 1, 1]]), "line": X[:, :1]}
    >>> lines = track_features(acts, bars=1)
    >>> lines[0].layers, lines[0].end, lines[0].ended_at
    (('in', 'lift'), 'died', 'line')
    """
    seed = _val.check_seed(seed)
    dim = _val.check_int(dim, name="dim")
    if dim != 1:
        raise ValueError(f"dim must be 1 (loops), got {dim}; tracking higher-dimensional features is not supported.")
    metric = _val.check_choice(metric, name="metric", choices=("euclidean", "cosine", "correlation"))
    names, arrays = _layer_arrays(activations, layers)
    n = arrays[0].shape[0]
    rows = np.arange(n)
    if n_landmarks is not None:
        m = _val.check_int(n_landmarks, name="n_landmarks", min_value=3)
        if m < n:
            from ..clouds import landmarks

            rows = np.unique(np.concatenate([landmarks(A, m, metric=metric, seed=seed).indices
                                             for A in arrays]))
    bars_per = _per_layer(bars, names, "bars") if isinstance(bars, Mapping) else {x: bars for x in names}
    if isinstance(bars, numbers.Integral) and not isinstance(bars, bool) and bars < 0:
        raise ValueError(f"bars as an int is the number of longest bars per layer, >= 0, got {bars}.")
    mp = None if min_persistence is None else _per_layer(min_persistence, names, "min_persistence")

    built: list[_Layer] = []
    for name, A in zip(names, arrays):
        D = _distances(A[rows], metric, name=f"activations[{name!r}]")
        E, B, K = _ripser_h1(D)
        keep = B[:, 1] > B[:, 0]
        layer = _Layer(name, D, B[keep], E[keep], [k for k, ok in zip(K, keep) if ok])
        thr = _choose_layer(layer, bars_per[name], D, seed, significance)
        if mp is not None:
            layer.min_pers = _val.check_real(mp[name], name=f"min_persistence[{name!r}]", min_value=0.0)
        else:
            layer.min_pers = float(thr) if thr is not None else 0.0
        life = layer.bars[:, 1] - layer.bars[:, 0]
        layer.chosen = [j for j in layer.chosen if life[j] > layer.min_pers]
        built.append(layer)
    return _Tracker(built, rows).run()


class _Tracker:
    """The lifeline bookkeeping of :func:`track_features` (see the module notes)."""

    def __init__(self, layers: list[_Layer], rows: np.ndarray) -> None:
        self.layers = layers
        self.rows = rows
        self.lines: list[dict[str, Any]] = []

    def _new(self, li: int, j: int) -> dict[str, Any]:
        layer = self.layers[li]
        u, v = layer.edges[j]
        cyc = _make_cycle(layer.D, u, v, tuple(layer.bars[j]), None)
        loop = np.asarray(cyc.indices)
        on_samples = replace(cyc, indices=self.rows[loop], birth_edge=(int(self.rows[loop[-1]]), int(self.rows[loop[0]])))
        line = {"id": len(self.lines), "first_loop": loop, "loop": loop, "found": [li], "layers": [li],
                "carriers": {li: tuple(float(x) for x in layer.bars[j])}, "scales": {},
                "end": "survives", "ended_at": None, "merged_into": None, "found_at": li,
                "cycle": on_samples}
        line["scales"][li] = _loop_interval(loop, layer)[0]
        for m in range(li - 1, -1, -1):  # backwards while the loop is already there
            iv, car = _loop_interval(loop, self.layers[m])
            line["scales"][m] = iv
            if not _persists(iv, self.layers[m].min_pers):
                break
            line["layers"].insert(0, m)
            line["carriers"][m] = tuple(float(x) for x in self.layers[m].bars[car])
        self.lines.append(line)
        return line

    def run(self) -> Lifelines:
        active: list[dict[str, Any]] = []
        for li, layer in enumerate(self.layers):
            claims: dict[int, list[dict[str, Any]]] = {}
            for line in active:
                iv, car = _loop_interval(line["loop"], layer)
                line["scales"][li] = iv
                if _persists(iv, layer.min_pers):
                    claims.setdefault(car, []).append(line)
                else:
                    line["end"], line["ended_at"] = "died", li
            active = []
            for car, lines in claims.items():
                elder = min(lines, key=lambda f: (f["layers"][0], f["found_at"], -_life(f["carriers"][li - 1])))
                for f in lines:
                    if f is not elder:
                        f["end"], f["ended_at"], f["merged_into"] = "merged", li, elder["id"]
                elder["layers"].append(li)
                elder["carriers"][li] = tuple(float(x) for x in layer.bars[car])
                elder["carrier_j"] = car
                active.append(elder)
            owners = {f["carrier_j"]: f for f in active}
            for j in layer.chosen:
                owner = owners.get(j)
                if owner is not None:
                    owner["found"].append(li)
                    u, v = layer.edges[j]
                    owner["loop"] = np.asarray(_make_cycle(layer.D, u, v, tuple(layer.bars[j]), None).indices)
                else:
                    line = self._new(li, j)
                    line["carrier_j"] = j
                    active.append(line)
            for f in active:
                f.pop("carrier_j", None)
        return self._result()

    def _result(self) -> Lifelines:
        names = [x.name for x in self.layers]
        out = []
        for f in self.lines:
            for m in range(len(self.layers)):
                if m not in f["scales"]:
                    loop = f["first_loop"] if m < f["layers"][0] else f["loop"]
                    f["scales"][m] = _loop_interval(loop, self.layers[m])[0]
            out.append(Lifeline(
                id=f["id"], born=names[f["layers"][0]], layers=tuple(names[m] for m in f["layers"]),
                found=tuple(names[m] for m in f["found"]), end=f["end"],
                ended_at=None if f["ended_at"] is None else names[f["ended_at"]], merged_into=f["merged_into"],
                scales={names[m]: f["scales"][m] for m in range(len(names))},
                carriers={names[m]: c for m, c in sorted(f["carriers"].items())}, cycle=f["cycle"]))
        return Lifelines(tuple(out), tuple(names), _readonly(self.rows.copy()),
                         {x.name: x.min_pers for x in self.layers})


def _life(bar: tuple[float, float]) -> float:
    return bar[1] - bar[0]
