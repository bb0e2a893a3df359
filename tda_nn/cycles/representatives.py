"""Representative cycles of H1 bars: which samples form a loop, in loop order.

A bar ``[b, d)`` of the H1 Vietoris-Rips diagram is created by one edge ``e = (u, v)``
of length ``b`` (the *birth edge*): the engines report it (giotto-ph's generators,
the lightest edge of ripser.py's cocycle, gudhi's persistence pairs). Just before
``e`` enters, ``u`` and ``v`` are already connected; the loop returned here is the
shortest path from ``u`` to ``v`` through edges strictly shorter than ``b``, closed by
``e``.

**What a representative guarantees.** Every edge of the loop has length ``<= b``
(``edges_max == b``), so the loop is a cycle of the Rips complex at the bar's birth.
When ``certified`` is True (the path found uses only edges strictly shorter than
``b``), the loop is *not a boundary* at scale ``b``: a cycle whose youngest edge is a
positive edge ``e`` has, in the persistence basis, coefficient 1 on the class ``e``
creates, which is alive on ``[b, d)``. So the loop carries the bar's class plus possibly
older classes alive at ``b``, and is non-trivial for every scale in ``[b, d)``.
(The argument uses the engine's filtration order; with exact ties in edge lengths no
strict path may exist, and the loop then uses an edge of length exactly ``b`` and is
reported with ``certified=False``.)

**What it does not guarantee.** Representatives are not unique: any loop homologous
to this one (plus older classes) represents the same bar, and engines with different
tie-breaking may pick different birth edges. The loop is short (a shortest path in
the 1-skeleton at birth, in total edge length), not the shortest representative of
the homology class, and it says nothing about where the class dies. With
``n_landmarks``, the complex is built on max-min landmarks only: the loop runs through
landmarks, and its ``indices`` are those landmarks' rows in the original samples (the
diagram itself is then within ``2 * covering radius`` of the full one, in bottleneck
distance).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .. import validation as _val

__all__ = ["Cycle", "Cycles", "LoopSamples", "loop_samples", "representative_cycles"]

_BACKENDS = ("auto", "giotto-ph", "ripser", "gudhi")
_METRICS = ("euclidean", "cosine", "correlation", "precomputed")
_MAX_POINTS = 6000


def _json_float(x: float) -> float | str | None:
    x = float(x)
    if np.isnan(x):
        return None
    return x if np.isfinite(x) else ("inf" if x > 0 else "-inf")


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False)
class Cycle:
    """One representative loop of an H1 bar.

    Attributes
    ----------
    indices : ndarray of shape (k,), int
        Sample indices (rows of the original ``X``) along the loop, in loop order;
        the loop closes from ``indices[-1]`` back to ``indices[0]``, and that closing
        edge is the bar's birth edge. ``k >= 3``; no index repeats.
    bar : tuple of float
        ``(birth, death)`` of the bar it represents (``death`` may be ``inf``).
    edges_max : float
        Longest edge of the loop; equals ``birth`` (up to the engine's float32 rounding
        of ``birth``).
    length : float
        Total length of the loop's edges.
    birth_edge : tuple of int
        ``(indices[-1], indices[0])``: the edge whose entry created the bar.
    certified : bool
        True when every other edge is strictly shorter than ``birth``, which proves the
        loop is not a boundary at the bar's birth (see the module notes).
    """

    indices: np.ndarray
    bar: tuple[float, float]
    edges_max: float
    length: float
    birth_edge: tuple[int, int]
    certified: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "indices", _readonly(np.asarray(self.indices, dtype=np.intp)))

    @property
    def birth(self) -> float:
        return self.bar[0]

    @property
    def death(self) -> float:
        return self.bar[1]

    @property
    def persistence(self) -> float:
        return self.bar[1] - self.bar[0]

    @property
    def edges(self) -> np.ndarray:
        """ndarray of shape (k, 2): the loop's edges ``(indices[i], indices[i + 1 mod k])``."""
        return np.column_stack([self.indices, np.roll(self.indices, -1)])

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        head = ", ".join(str(int(i)) for i in self.indices[:6]) + (", ..." if len(self.indices) > 6 else "")
        return (f"Cycle(n={len(self.indices)}, bar=({self.bar[0]:.4g}, {self.bar[1]:.4g}), "
                f"indices=[{head}]{'' if self.certified else ', certified=False'})")


@dataclass(frozen=True, repr=False)
class Cycles(Sequence):
    """Representative loops of chosen H1 bars, longest bar first.

    Attributes
    ----------
    cycles : tuple of Cycle
    metric : str
    backend : str
        Engine whose persistence pairs gave the birth edges.
    n_points : int
        Samples in the original cloud.
    landmarks : ndarray of shape (n_landmarks,) or None
        Rows of the original cloud the complex was built on, when ``n_landmarks`` was set.
    landmark_bound : float
        ``2 * covering radius`` of the landmarks (0.0 without landmarks).
    diagram : ndarray of shape (n_bars, 2)
        Every H1 bar computed (on the landmarks when used), for context.
    """

    cycles: tuple[Cycle, ...]
    metric: str
    backend: str
    n_points: int
    landmarks: np.ndarray | None = None
    landmark_bound: float = 0.0
    diagram: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))

    def __len__(self) -> int:
        return len(self.cycles)

    def __getitem__(self, i: Any) -> Any:
        return self.cycles[i]

    def __iter__(self):
        return iter(self.cycles)

    @property
    def bars(self) -> np.ndarray:
        """ndarray of shape (n_cycles, 2): the bars represented, in order."""
        return np.array([c.bar for c in self.cycles], dtype=float).reshape(-1, 2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (``inf`` written as ``"inf"``): the loops, their bars, and how they were made."""
        return {
            "metric": self.metric, "backend": self.backend, "n_points": self.n_points,
            "landmarks": None if self.landmarks is None else self.landmarks.tolist(),
            "landmark_bound": self.landmark_bound,
            "cycles": [{"indices": c.indices.tolist(), "bar": [_json_float(x) for x in c.bar],
                        "edges_max": c.edges_max, "length": c.length, "birth_edge": list(c.birth_edge),
                        "certified": c.certified} for c in self.cycles],
        }

    def __repr__(self) -> str:
        lm = f", n_landmarks={len(self.landmarks)}" if self.landmarks is not None else ""
        return f"Cycles(n={len(self.cycles)}, n_points={self.n_points}, backend={self.backend!r}{lm})"


@dataclass(frozen=True, repr=False)
class LoopSamples:
    """The samples along one loop, in loop order, with their labels and inputs.

    Attributes
    ----------
    indices : ndarray of shape (k,)
        Sample indices in loop order.
    bar : tuple of float
    labels : ndarray of shape (k,) or None
    inputs : ndarray of shape (k, ...) or list of length k, or None
        ``inputs[indices]`` for arrays, ``[inputs[i] for i in indices]`` for sequences
        (e.g. strings).
    """

    indices: np.ndarray
    bar: tuple[float, float]
    labels: np.ndarray | None = None
    inputs: Any = None

    def __repr__(self) -> str:
        lab = "" if self.labels is None else f", labels={list(self.labels[:6])}{'...' if len(self.labels) > 6 else ''}"
        return f"LoopSamples(n={len(self.indices)}, bar=({self.bar[0]:.4g}, {self.bar[1]:.4g}){lab})"


def loop_samples(cycles: Any, labels: Any = None, inputs: Any = None) -> tuple[LoopSamples, ...]:
    """The samples along each loop, in loop order, with their labels and inputs.

    Parameters
    ----------
    cycles : Cycles, Cycle or sequence of Cycle
    labels : array-like of shape (n_samples,) or None, default=None
        One label per original sample.
    inputs : array of shape (n_samples, ...), sequence of length n_samples, or None
        The inputs themselves (images, strings, token/sentence pairs).

    Returns
    -------
    tuple of LoopSamples
        One per cycle, in the order of ``cycles``.

    Raises
    ------
    ValueError
        ``labels`` or ``inputs`` shorter than the largest sample index.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 12, endpoint=False) + 0.01 * np.arange(12) ** 2 / 144
    >>> cyc = representative_cycles(np.c_[np.cos(t), np.sin(t)], bars=1, backend="ripser")
    >>> (s,) = loop_samples(cyc, labels=[f"class {i % 3}" for i in range(12)])
    >>> len(s.indices), sorted(set(s.labels.tolist()))
    (12, ['class 0', 'class 1', 'class 2'])
    """
    if isinstance(cycles, Cycle):
        cycles = [cycles]
    if not all(isinstance(c, Cycle) for c in cycles):
        raise TypeError(f"cycles must be a Cycles result, a Cycle or a sequence of Cycle, got {type(cycles).__name__}.")
    top = max((int(c.indices.max()) for c in cycles), default=-1)
    lab = None
    if labels is not None:
        lab = _val.as_numpy(labels, name="labels") if not _is_strings(labels) else np.asarray(labels)
        if lab.ndim != 1 or len(lab) <= top:
            raise ValueError(f"labels must be 1-D with one label per sample (at least {top + 1}), got shape {lab.shape}.")
    if inputs is not None:
        try:
            n_in = len(inputs)
        except TypeError:
            raise TypeError(f"inputs must be an array or a sequence with one entry per sample, "
                            f"got {type(inputs).__name__}.") from None
        if n_in <= top:
            raise ValueError(f"inputs must have one entry per sample (at least {top + 1}), got {n_in}.")
    out = []
    for c in cycles:
        idx = np.asarray(c.indices)
        sub = None
        if inputs is not None:
            if hasattr(inputs, "detach") and hasattr(inputs, "numpy"):
                sub = inputs.detach().cpu().numpy()[idx]
            elif isinstance(inputs, np.ndarray):
                sub = inputs[idx]
            else:
                sub = [inputs[int(i)] for i in idx]
        out.append(LoopSamples(idx, c.bar, None if lab is None else lab[idx], sub))
    return tuple(out)


def _is_strings(labels: Any) -> bool:
    arr = np.asarray(labels)
    return arr.dtype.kind in "US"


# --- the cloud ---------------------------------------------------------------------------------------------------


def _distances(X: Any, metric: str, name: str = "X") -> np.ndarray:
    """Dense float64 distance matrix of a point cloud, or a validated precomputed one."""
    from scipy.spatial.distance import pdist, squareform

    if metric == "precomputed":
        D = _val.check_distance_matrix(X, name=name)
        if not isinstance(D, np.ndarray):
            raise TypeError(f"{name} with metric='precomputed' must be a dense (n, n) matrix, got a sparse matrix; "
                            "use D.toarray() with np.inf for absent edges.")
        n = D.shape[0]
    else:
        P = _val.check_points(X, name=name, min_points=3)
        n = P.shape[0]
    if n > _MAX_POINTS:
        raise ValueError(f"{name} has {n} points; representative cycles need the dense distance matrix "
                         f"(at most {_MAX_POINTS} points here). Pass n_landmarks (e.g. n_landmarks=1000).")
    if metric == "precomputed":
        return np.array(D, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        D = squareform(pdist(np.asarray(P, dtype=np.float64), metric=metric))
    top = float(np.abs(P).max(initial=0.0))
    if not np.isfinite(D).all() and top > 1e150:  # the squares overflowed: say so, not "constant rows"
        raise ValueError(f"{name} has values up to {top:.3g}, whose {metric} distances overflow float64 (and the "
                         f"float32 Rips engines hold at most about 1e38); rescale first, e.g. "
                         f"{name} / np.abs({name}).max().")
    if not np.isfinite(D).all():
        raise ValueError(f"{name} gives non-finite {metric} distances (zero or constant rows?); "
                         "drop those rows or use metric='euclidean'.")
    return D


def _cloud(X: Any, metric: str, n_landmarks: Any, seed: Any) -> tuple[np.ndarray, np.ndarray | None, float, int]:
    """(D on the points used, landmark rows or None, landmark bound, n original points)."""
    metric = _val.check_choice(metric, name="metric", choices=_METRICS)
    if n_landmarks is None:
        D = _distances(X, metric)
        return D, None, 0.0, D.shape[0]
    m = _val.check_int(n_landmarks, name="n_landmarks", min_value=3)
    from ..clouds import landmarks

    n = len(X) if not hasattr(X, "shape") else X.shape[0]
    if m >= n:
        D = _distances(X, metric)
        return D, None, 0.0, D.shape[0]
    L = landmarks(X, m, metric=metric, seed=seed)
    if metric == "precomputed":
        return _distances(L.points, "precomputed", name="X[landmarks]"), np.asarray(L.indices), float(L.bound), n
    return _distances(L.points, metric, name="X[landmarks]"), np.asarray(L.indices), float(L.bound), n


# --- persistence pairs from the engines --------------------------------------------------------------------------


def _backend(backend: str) -> str:

    backend = _val.check_choice(backend, name="backend", choices=_BACKENDS)
    if backend == "auto":
        import importlib.util

        return "giotto-ph" if importlib.util.find_spec("gph") is not None else "ripser"
    return backend


def _h1_pairs(D: np.ndarray, *, backend: str = "ripser", threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """H1 persistence pairs of the Rips filtration of ``D``: birth edges and bars.

    Parameters
    ----------
    D : ndarray of shape (n, n)
        Distance matrix.
    backend : {'giotto-ph', 'ripser', 'gudhi'}
    threshold : float or None
        Largest edge length; bars alive there get ``death = inf``.

    Returns
    -------
    edges : ndarray of shape (k, 2), int
        Birth edge ``(u, v)`` of each bar with positive persistence.
    bars : ndarray of shape (k, 2)
        ``(D[u, v], death)``; deaths read from the death edge/simplex in ``D`` where
        the engine gives it.
    """
    thr = np.inf if threshold is None else float(threshold)
    edges: list[tuple[int, int]] = []
    deaths: list[float] = []
    if backend == "giotto-ph":
        from .._optional import import_optional

        gph = import_optional("gph")
        kw = {} if threshold is None else {"thresh": thr}
        out = gph.ripser_parallel(D, metric="precomputed", maxdim=1, coeff=2, return_generators=True, **kw)
        fin = np.asarray(out["gens"][1][0], dtype=np.intp).reshape(-1, 4)
        for b0, b1, d0, d1 in fin:
            edges.append((b0, b1))
            deaths.append(float(D[d0, d1]))
        ess = out["gens"][3][0] if len(out["gens"][3]) else np.empty((0, 2))
        for b0, b1 in np.asarray(ess, dtype=np.intp).reshape(-1, 2):
            edges.append((b0, b1))
            deaths.append(np.inf)
    elif backend == "ripser":
        E, bars, _ = _ripser_h1(D, threshold=threshold)
        keep = bars[:, 1] > bars[:, 0]
        return E[keep], bars[keep]
    elif backend == "gudhi":
        import gudhi

        finite = D[np.isfinite(D)]
        top = thr if np.isfinite(thr) else float(finite.max()) * 1.01 + 1e-12
        st = gudhi.RipsComplex(distance_matrix=D, max_edge_length=top).create_simplex_tree(max_dimension=2)
        st.compute_persistence(homology_coeff_field=2, min_persistence=0.0)
        for birth_s, death_s in st.persistence_pairs():
            if len(birth_s) != 2:
                continue
            edges.append((birth_s[0], birth_s[1]))
            deaths.append(np.inf if not death_s else float(st.filtration(death_s)))
    else:  # pragma: no cover - validated by _backend
        raise ValueError(f"backend must be one of {_BACKENDS[1:]}, got {backend!r}.")
    E = np.asarray(edges, dtype=np.intp).reshape(-1, 2)
    births = D[E[:, 0], E[:, 1]] if len(E) else np.empty(0)
    bars = np.column_stack([births, np.asarray(deaths, dtype=float)]) if len(E) else np.empty((0, 2))
    keep = bars[:, 1] > bars[:, 0] if len(E) else np.zeros(0, bool)
    return E[keep], bars[keep]


def _ripser_h1(D: np.ndarray, *, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """H1 pairs from ripser.py (Z/2) with their representative cocycles.

    Returns
    -------
    edges : ndarray of shape (k, 2), int
        Birth edge of each bar: the edge of its cocycle whose length is the birth
        (ripser's cocycle is the birth edge plus edges entering after it).
    bars : ndarray of shape (k, 2)
        ``(D[u, v], death)``, the death snapped to the float64 edge length that
        ripser's float32 value rounds.
    cocycles : list of k ndarray of int
        Support of each cocycle as sorted edge keys ``min(i, j) * n + max(i, j)``.
    """
    from ripser import ripser

    n = D.shape[0]
    thr = np.inf if threshold is None else float(threshold)
    out = ripser(D, distance_matrix=True, maxdim=1, coeff=2, do_cocycles=True, thresh=thr)
    edges, deaths, keys = [], [], []
    for (b, d), coc in zip(out["dgms"][1], out["cocycles"][1]):
        coc = np.asarray(coc, dtype=np.intp).reshape(-1, 3)
        coc = coc[coc[:, 2] % 2 == 1]
        lens = D[coc[:, 0], coc[:, 1]]
        j = int(np.argmin(np.abs(lens - b)))
        edges.append((coc[j, 0], coc[j, 1]))
        deaths.append(float(d))
        keys.append(np.unique(np.minimum(coc[:, 0], coc[:, 1]) * n + np.maximum(coc[:, 0], coc[:, 1])))
    E = np.asarray(edges, dtype=np.intp).reshape(-1, 2)
    bars = np.column_stack([D[E[:, 0], E[:, 1]], _snap(np.asarray(deaths, dtype=float), D)]) if len(E) \
        else np.empty((0, 2))
    return E, bars, keys


def _snap(values: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Replace ripser's float32 deaths by the float64 edge length they round (a death is an edge length)."""
    lengths = np.unique(D[np.triu_indices(len(D), 1)])
    lengths = lengths[np.isfinite(lengths)]
    out = values.copy()
    fin = np.isfinite(values)
    if lengths.size == 0 or not fin.any():
        return out
    v = values[fin]
    pos = np.searchsorted(lengths, v)
    last = len(lengths) - 1
    cand = np.stack([lengths[np.clip(pos - 1, 0, last)], lengths[np.clip(pos, 0, last)]])
    best = cand[np.argmin(np.abs(cand - v), axis=0), np.arange(len(v))]
    out[fin] = np.where(np.abs(best - v) <= 1e-6 * np.maximum(np.abs(v), 1e-12), best, v)
    return out


# --- choosing bars -----------------------------------------------------------------------------------------------


def _lifetimes(bars: np.ndarray) -> np.ndarray:
    return bars[:, 1] - bars[:, 0]


def _match(wanted: np.ndarray, bars: np.ndarray, tol: float, what: str) -> list[int]:
    """Index of the computed bar nearest (L-inf, inf == inf) each wanted bar, each used once."""
    chosen: list[int] = []
    for w in wanted:
        db = np.abs(bars[:, 0] - w[0])
        dd = np.where(np.isinf(bars[:, 1]) & np.isinf(w[1]), 0.0, np.abs(bars[:, 1] - w[1]))
        dist = np.maximum(db, np.nan_to_num(dd, nan=np.inf, posinf=np.inf))
        if chosen:
            dist[chosen] = np.inf
        j = int(np.argmin(dist)) if len(dist) else -1
        if j < 0 or not dist[j] <= tol:
            near = "no bars left" if j < 0 or not np.isfinite(dist[j]) else f"nearest is {tuple(np.round(bars[j], 6))}"
            raise ValueError(f"{what} asks for the bar ({w[0]:.6g}, {w[1]:.6g}), which is not in the H1 diagram "
                             f"computed here ({near}). Pass bars from this cloud's diagram (same metric, landmarks "
                             "and threshold), or an int for the longest bars.")
        chosen.append(j)
    return chosen


def _choose(bars_arg: Any, bars: np.ndarray, X: Any, *, metric: str, n_landmarks: Any, seed: Any,
            significance: Mapping[str, Any] | None) -> list[int]:
    order = np.argsort(-_lifetimes(bars), kind="stable")
    scale = float(np.max(bars[np.isfinite(bars)], initial=1.0))
    if isinstance(bars_arg, str):
        _val.check_choice(bars_arg, name="bars", choices=("significant",))
        from ..diagnostics.significance import significant_bars

        res = significant_bars(X, maxdim=1, metric=metric, n_landmarks=n_landmarks, seed=seed,
                               **dict(significance or {}))
        sig = np.asarray(res.diagrams[1], dtype=float).reshape(-1, 2)
        idx = _match(sig, bars, 1e-4 * max(scale, 1.0) + 1e-9, "significant_bars") if len(sig) else []
        return sorted(idx, key=lambda j: -_lifetimes(bars[j:j + 1])[0])
    if isinstance(bars_arg, numbers.Integral) and not isinstance(bars_arg, bool):
        if bars_arg < 0:
            raise ValueError(f"bars as an int is the number of longest bars to represent, >= 0, got {bars_arg}.")
        return [int(j) for j in order[: int(bars_arg)]]

    want = _val.as_numpy(bars_arg, name="bars", dtype=float)
    if want.ndim == 1 and want.shape == (2,):
        want = want[None, :]
    if want.ndim != 2 or want.shape[1] != 2:
        raise ValueError(f"bars must be 'significant', an int, or an array of (birth, death) rows of shape (k, 2), "
                         f"got shape {want.shape}.")
    return _match(want, bars, 1e-4 * max(scale, 1.0) + 1e-9, "bars")


# --- the loop ----------------------------------------------------------------------------------------------------


def _path(D: np.ndarray, mask: np.ndarray, u: int, v: int) -> list[int] | None:
    """Shortest path (total length) from u to v through the edges in ``mask``."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    i, j = np.nonzero(np.triu(mask, 1))
    if not len(i):
        return None
    w = D[i, j] + 1e-12 * (1.0 + float(D[u, v]))  # zero-length edges stay edges
    G = sp.coo_matrix((w, (i, j)), shape=D.shape).tocsr()
    dist, pred = dijkstra(G, directed=False, indices=u, return_predecessors=True)
    if not np.isfinite(dist[v]):
        return None
    path = [v]
    while path[-1] != u:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def _shortest_loop(D: np.ndarray, u: int, v: int) -> tuple[np.ndarray, bool]:
    """Shortest loop through edge ``(u, v)`` in the Rips 1-skeleton at scale ``D[u, v]``.

    Returns the vertices in loop order, starting at ``u`` and ending at ``v`` (the
    loop closes along ``(v, u)``), and whether all other edges are strictly shorter.
    """
    b = D[u, v]
    path = _path(D, D < b, u, v)
    certified = True
    if path is None:
        mask = D <= b + 1e-6 * max(abs(b), 1e-12)  # ties: edges of the same length, up to float32 rounding
        mask[u, v] = mask[v, u] = False
        path = _path(D, mask, u, v)
        certified = False
    if path is None:
        raise RuntimeError(f"no path joins the birth edge ({u}, {v}) at scale {b:.6g}; the engine's pair is not a "
                           "positive H1 edge of this distance matrix.")
    return np.asarray(path, dtype=np.intp), certified


def _make_cycle(D: np.ndarray, u: int, v: int, bar: tuple[float, float], rows: np.ndarray | None) -> Cycle:
    loop, certified = _shortest_loop(D, int(u), int(v))
    nxt = np.roll(loop, -1)
    lens = D[loop, nxt]
    idx = loop if rows is None else rows[loop]
    return Cycle(idx, (float(bar[0]), float(bar[1])), float(lens.max()), float(lens.sum()),
                 (int(idx[-1]), int(idx[0])), certified)


def representative_cycles(
    X: Any,
    *,
    dim: int = 1,
    bars: Literal["significant"] | int | Any = "significant",
    metric: Literal["euclidean", "cosine", "correlation", "precomputed"] = "euclidean",
    n_landmarks: int | None = None,
    threshold: float | None = None,
    backend: Literal["auto", "giotto-ph", "ripser", "gudhi"] = "auto",
    seed: int | None = 0,
    significance: Mapping[str, Any] | None = None,
) -> Cycles:
    """An ordered closed loop of samples for each chosen H1 bar of the Rips diagram.

    For each bar, the engine's birth edge ``(u, v)`` is closed into a loop by the
    shortest path from ``u`` to ``v`` through shorter edges (see the module notes for
    what this guarantees: every edge ``<= birth``, and not a boundary at birth when
    ``certified``). Representatives are not unique.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) if precomputed
    dim : int, default=1
        Homology dimension; only loops (``dim=1``) are supported.
    bars : 'significant', int, or array-like of shape (k, 2), default='significant'
        Which bars: those :func:`~tda_nn.diagnostics.significance.significant_bars`
        keeps (with ``significance`` as extra keyword arguments, e.g.
        ``{"alpha": 0.01}``), the ``bars`` longest, or explicit ``(birth, death)`` rows
        of this cloud's diagram (matched to within ``1e-4`` of the largest value).
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
    n_landmarks : int or None, default=None
        Build the complex on this many max-min landmarks (seeded by ``seed``, the same
        choice :func:`significant_bars` makes); indices still refer to the original rows.
    threshold : float or None, default=None
        Largest edge length; bars alive there have ``death = inf``.
    backend : {'auto', 'giotto-ph', 'ripser', 'gudhi'}, default='auto'
        Engine whose persistence pairs give the birth edges; 'auto' is giotto-ph when
        installed, else ripser.py.
    seed : int or None, default=0
        Seeds the landmarks and the significance resamples.
    significance : mapping or None, default=None
        Extra keyword arguments for ``significant_bars``.

    Returns
    -------
    Cycles
        One :class:`Cycle` per chosen bar, longest bar first.

    Raises
    ------
    ValueError
        ``dim != 1``; requested bars not in the diagram; more than 6000 points without
        landmarks; NaN/inf entries.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)] + 0.01 * np.random.default_rng(0).normal(size=(40, 2))
    >>> cyc = representative_cycles(X, bars=1, backend="ripser")
    >>> len(cyc[0]) == 40, cyc[0].certified
    (True, True)
    """
    seed = _val.check_seed(seed)
    dim = _val.check_int(dim, name="dim")
    if dim != 1:
        raise ValueError(f"dim must be 1 (representative loops of H1 bars), got {dim}; higher-dimensional "
                         "representatives are not supported.")
    if threshold is not None:
        threshold = _val.check_real(threshold, name="threshold", min_value=0.0, strict=True)
    engine = _backend(backend)
    D, rows, bound, n = _cloud(X, metric, n_landmarks, seed)
    edges, all_bars = _h1_pairs(D, backend=engine, threshold=threshold)
    chosen = _choose(bars, all_bars, X, metric=metric, n_landmarks=n_landmarks, seed=seed, significance=significance)
    cycles = tuple(_make_cycle(D, *edges[j], all_bars[j], rows) for j in chosen)
    return Cycles(cycles, metric, engine, n, None if rows is None else _readonly(rows.copy()), bound,
                  _readonly(all_bars.copy()))
