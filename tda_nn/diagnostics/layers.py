"""Topology layer by layer: per-layer profiles and layer-versus-layer matrices.

* :func:`layer_profile` -- for every layer (and every class when labels are given):
  persistence diagrams, Betti numbers at chosen scales, Betti curves, total
  persistence, persistent entropy, the number of significant bars
  (:func:`tda_nn.significant_bars`: a Fasy et al. 2014 confidence band and twice the
  landmark bound) and the TwoNN intrinsic dimension. ``method="knn_hops"`` is the
  procedure of Naitzat, Zhitnikov and Lim (2020) for measuring how a network
  untangles its classes.
* :func:`compare_layers` -- a labelled layer x layer matrix of diagram distances,
  with linear CKA (and optionally RTD) beside it.

Scales
------
One scale, documented here once. With ``relative=True`` (the default) every
length -- the scales at which Betti numbers are read, the Betti-curve grid, total
persistence, the confidence band, the landmark bound and the significance
threshold -- is in units of the layer's own *reference scale*, the median pairwise
distance of the layer's analysed points (over at most 1,000 seeded random points).
:func:`tda_nn.analyze`, its table, matrices and figures use the same unit. Layers of different width
and magnitude are then comparable: ``scales=(0.25,)`` reads every layer at a quarter
of its typical distance. With ``relative=False`` they are in the layer's own units.
For diagrams given directly, the reference is ``meta["reference_scale"]`` (which
:func:`layer_profile` writes) or else the largest finite death; the profile records
which in ``scale_reference``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..diagrams import Diagrams, jsonable, unjson
from ..diagrams_convert import as_diagrams, is_gudhi_list
from ..validation import (
    as_numpy,
    check_choice,
    check_flag,
    check_int,
    check_points,
    check_probability,
    check_real,
    find_stack_level,
)

__all__ = ["LayerComparison", "LayerProfile", "compare_layers", "layer_profile"]

Method = Literal["rips", "knn_hops"]
Significance = Literal["universal", "bootstrap", "subsample"]
_FORMAT = "tda_nn.LayerProfile/1"
_ARRAYS = ("scales", "betti", "curve_grid", "betti_curves", "total_persistence", "entropy", "n_significant",
           "noise_level", "intrinsic_dim", "reference_scale", "n_points", "threshold", "landmark_bound", "min_pvalue", "n_tests")
_REFERENCE_SAMPLE = 1000
_AUTO_LANDMARKS = 1000


# -- result types ---------------------------------------------------------------
def _frozen(a: Any, dtype: Any = None) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=np.asarray(a).dtype.kind == "f"))


@dataclass(frozen=True, eq=False, repr=False)
class LayerProfile:
    """The topology of every layer's representation (see :func:`layer_profile`).

    Attributes
    ----------
    layers : tuple of str
    scales : ndarray of shape (n_scales,)
        The scales as given (fractions of the reference scale when ``relative``;
        hop counts for ``method='knn_hops'``).
    betti : ndarray of shape (n_layers, n_scales, maxdim + 1), int
        ``betti[i, s, k]``: beta_k of layer ``i`` at ``scales[s]``.
    curve_grid : ndarray of shape (n_bins,)
        Filtration values of the Betti curves, in the units of ``scales``.
    betti_curves : ndarray of shape (n_layers, maxdim + 1, n_bins), int
    total_persistence : ndarray of shape (n_layers, maxdim + 1)
        Sum of the finite lifetimes (essential bars left out), in the units of ``scales``.
    entropy : ndarray of shape (n_layers, maxdim + 1)
        Persistent entropy (natural log) of the finite bars.
    n_significant : ndarray of shape (n_layers, maxdim + 1), int, or None
        Bars longer than ``threshold`` (essential bars always count); ``None``
        when no bootstrap was run.
    noise_level : ndarray of shape (n_layers,), or None
        The confidence-band radius ``c`` (the same in every dimension), in the units of ``scales``.
    intrinsic_dim : ndarray of shape (n_layers,), or None
        TwoNN estimate (NaN where it could not be computed); ``None`` for diagram input.
    reference_scale : ndarray of shape (n_layers,)
        The length that ``relative`` scales are fractions of (1 when not relative).
    n_points : ndarray of shape (n_layers,), int
        Points in each layer's filtration (after landmarks or ``every``).
    diagrams : tuple of Diagrams
        One per layer, in the layer's own units.
    per_class : dict of label to LayerProfile
        One sub-profile per class when ``labels`` were given, else empty.
    params : dict
        ``method``, ``maxdim``, ``relative``, ``scale_reference`` and the other settings.
    threshold : ndarray of shape (n_layers, maxdim + 1), or None
        What a bar must exceed to count as significant (see :func:`tda_nn.significant_bars`):
        with ``significance='universal'`` the ratio ``death / birth`` (unitless; H0: the
        runt ratio of the cluster test); with the band methods the lifetime
        ``2 * noise_level`` in the units of ``scales``. ``None`` when no test was run.
    landmark_bound : ndarray of shape (n_layers,), or None
        Twice the landmarks' covering radius (0 without landmarks), in the units of
        ``scales``: the bottleneck error of the landmark diagram, described and never
        added to ``threshold``; ``None`` when no test was run.
    min_pvalue : ndarray of shape (n_layers, maxdim + 1), or None
        ``significance='universal'``: the smallest adjusted p-value of each layer and
        dimension (1.0 where nothing was tested; NaN for the band methods).
    n_tests : ndarray of shape (n_layers, maxdim + 1), int, or None
        Bars tested per layer and dimension (H0: merges of two clusters of the
        minimum size), the size of the family each correction was made over.
    """

    layers: tuple[str, ...]
    scales: np.ndarray
    betti: np.ndarray
    curve_grid: np.ndarray
    betti_curves: np.ndarray
    total_persistence: np.ndarray
    entropy: np.ndarray
    n_significant: np.ndarray | None
    noise_level: np.ndarray | None
    intrinsic_dim: np.ndarray | None
    reference_scale: np.ndarray
    n_points: np.ndarray
    diagrams: tuple[Diagrams, ...]
    per_class: Mapping[Any, LayerProfile] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    threshold: np.ndarray | None = None
    landmark_bound: np.ndarray | None = None
    min_pvalue: np.ndarray | None = None
    n_tests: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in _ARRAYS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _frozen(value))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "diagrams", tuple(self.diagrams))
        object.__setattr__(self, "per_class", dict(self.per_class))
        object.__setattr__(self, "params", dict(self.params))

    @property
    def maxdim(self) -> int:
        """Highest homology dimension profiled."""
        return int(self.betti.shape[2] - 1)

    @property
    def classes(self) -> tuple[Any, ...]:
        """Class labels with a sub-profile (empty without labels)."""
        return tuple(self.per_class)

    def significant_mask(self, layer: int | str, dim: int) -> np.ndarray:
        """Which rows of ``diagrams[layer][dim]`` are significant (shape ``(n_bars,)``, bool).

        The band methods: lifetime above ``threshold``. ``'universal'``: H1+ bars with
        ``death / birth`` above ``threshold`` (the ratio where the corrected p-value
        crosses ``alpha``); H0 the infinite bar and the bars that died at a significant
        cluster's merge (``meta['significant_H0_deaths']`` of the layer's diagrams).
        Raises ``ValueError`` when no test was run.
        """
        if self.n_significant is None or self.threshold is None:
            raise ValueError("this profile ran no significance test (n_bootstrap=0); nothing is significant.")
        i = self.index(layer) if isinstance(layer, str) else check_int(layer, name="layer", min_value=0,
                                                                         max_value=len(self.layers) - 1)
        dim = check_int(dim, name="dim", min_value=0, max_value=self.maxdim)
        d = self.diagrams[i]
        bars = np.asarray(d[dim], dtype=np.float64).reshape(-1, 2)
        if self.params.get("significance", "bootstrap") != "universal":
            with np.errstate(invalid="ignore"):
                return (bars[:, 1] - bars[:, 0]) > self.threshold[i, dim] * float(self.reference_scale[i])
        if dim == 0:
            mask = ~np.isfinite(bars[:, 1])
            for h in d.meta.get("significant_H0_deaths", []):
                free = np.flatnonzero(~mask & np.isfinite(bars[:, 1]))
                if len(free):
                    mask[free[np.argmin(np.abs(bars[free, 1] - h))]] = True
            return mask
        with np.errstate(divide="ignore", invalid="ignore"):
            return (bars[:, 0] > 0) & (bars[:, 1] > bars[:, 0] * self.threshold[i, dim])

    def significant_lifetimes(self, layer: int | str, dim: int) -> np.ndarray:
        """Lifetimes of the significant finite bars of ``diagrams[layer][dim]``, in the layer's own units, longest first.

        With the universal test the significant bars are the most persistent by the ratio
        ``death / birth``, not always the longest; ``min()`` of this array is the lifetime
        floor that keeps exactly them among bars of at least that ratio.
        """
        mask = self.significant_mask(layer, dim)
        i = self.index(layer) if isinstance(layer, str) else int(layer)
        life = self.diagrams[i].lifetimes(dim)[mask]
        return np.sort(life[np.isfinite(life)])[::-1]

    def betti_sequence(self, dim: int = 1, scale: int = 0) -> np.ndarray:
        """``betti[:, scale, dim]``: beta_dim of every layer at ``scales[scale]``, shape (n_layers,)."""
        dim = check_int(dim, name="dim", min_value=0, max_value=self.maxdim)
        scale = check_int(scale, name="scale", min_value=0, max_value=len(self.scales) - 1)
        return self.betti[:, scale, dim].copy()

    def index(self, layer: str) -> int:
        """Position of ``layer`` in ``layers``."""
        if layer not in self.layers:
            from ..validation import suggest

            raise KeyError(f"layer {layer!r} is not profiled; layers are {list(self.layers)}.{suggest(layer, self.layers)}")
        return self.layers.index(layer)

    def __repr__(self) -> str:
        cls = f", {len(self.per_class)} classes" if self.per_class else ""
        b = ", ".join(str(list(row)) for row in self.betti[:, 0, :][:4])
        more = ", ..." if len(self.layers) > 4 else ""
        return (f"LayerProfile({len(self.layers)} layers, {self.params.get('method', 'rips')}, "
                f"betti at scale {self.scales[0]:g}: {b}{more}{cls})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LayerProfile):
            return NotImplemented
        return (
            self.layers == other.layers
            and all(_same(getattr(self, a), getattr(other, a)) for a in _ARRAYS)
            and self.diagrams == other.diagrams
            and list(self.per_class) == list(other.per_class)
            and all(self.per_class[k] == other.per_class[k] for k in self.per_class)
            and unjson(jsonable(self.params)) == unjson(jsonable(other.params))
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self, *, include_diagrams: bool = True) -> dict[str, Any]:
        """JSON-safe dict (``inf``/NaN encoded as in :meth:`Diagrams.to_dict`); inverse of :meth:`from_dict`."""
        def arr(a: np.ndarray | None) -> Any:
            return None if a is None else {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.ravel().tolist()}

        out = {
            "format": _FORMAT,
            "layers": list(self.layers),
            **{name: arr(getattr(self, name)) for name in _ARRAYS},
            "diagrams": [d.to_dict() for d in self.diagrams] if include_diagrams else None,
            "classes": [_plain_label(k) for k in self.per_class],
            "per_class": [p.to_dict(include_diagrams=include_diagrams) for p in self.per_class.values()],
            "params": dict(self.params),
        }
        return jsonable(out)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, diagrams: Sequence[Diagrams] | None = None) -> LayerProfile:
        """Rebuild from :meth:`to_dict`; ``diagrams`` supplies them when the dict was made without."""
        if not isinstance(data, Mapping) or data.get("format") != _FORMAT:
            raise ValueError("data must be a dict made by LayerProfile.to_dict() (format key missing or different).")
        data = unjson(dict(data))

        def arr(v: Any) -> np.ndarray | None:
            if v is None:
                return None
            return np.array(v["data"], dtype=np.dtype(v["dtype"])).reshape(v["shape"])

        if data["diagrams"] is not None:
            dgms = tuple(Diagrams.from_dict(d) for d in data["diagrams"])
        elif diagrams is not None:
            dgms = tuple(diagrams)
        else:
            raise ValueError("data holds no diagrams (made with include_diagrams=False); pass diagrams=.")
        per_class = {lab: cls.from_dict(p) if p["diagrams"] is not None else cls.from_dict(p, diagrams=())
                     for lab, p in zip(data["classes"], data["per_class"])}
        return cls(
            layers=tuple(data["layers"]),
            **{name: arr(data.get(name)) for name in _ARRAYS},  # threshold, landmark_bound: absent before 0.2
            diagrams=dgms, per_class=per_class, params=data["params"],
        )


def _plain_label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


@dataclass(frozen=True, eq=False, repr=False)
class LayerComparison:
    """A labelled layer x layer matrix (see :func:`compare_layers`).

    Attributes
    ----------
    layers : tuple of str
    matrix : ndarray of shape (n_layers, n_layers)
        Diagram distances, symmetric with a zero diagonal.
    metric : str
    dim : int or tuple of int or None
    cka : ndarray of shape (n_layers, n_layers) or None
        Linear CKA between the layers' activations (1 on the diagonal).
    rtd : ndarray of shape (n_layers, n_layers) or None
        Symmetric RTD between the layers' activations (0 on the diagonal).
    """

    layers: tuple[str, ...]
    matrix: np.ndarray
    metric: str
    dim: Any = None
    cka: np.ndarray | None = None
    rtd: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        for name in ("matrix", "cka", "rtd"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _frozen(getattr(self, name), np.float64))

    def __repr__(self) -> str:
        extra = "".join(f", {n}" for n in ("cka", "rtd") if getattr(self, n) is not None)
        return f"LayerComparison({len(self.layers)} layers, metric={self.metric!r}, dim={self.dim}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LayerComparison):
            return NotImplemented
        return (self.layers == other.layers and self.metric == other.metric and self.dim == other.dim
                and _same(self.matrix, other.matrix) and _same(self.cka, other.cka) and _same(self.rtd, other.rtd))

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; inverse of :meth:`from_dict`."""
        def mat(a: np.ndarray | None) -> Any:
            return None if a is None else a.tolist()

        dim = list(self.dim) if isinstance(self.dim, tuple) else self.dim
        return jsonable({"layers": list(self.layers), "metric": self.metric, "dim": dim,
                          "matrix": mat(self.matrix), "cka": mat(self.cka), "rtd": mat(self.rtd)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LayerComparison:
        data = unjson(dict(data))
        dim = tuple(data["dim"]) if isinstance(data["dim"], list) else data["dim"]
        opt = {n: None if data[n] is None else np.array(data[n], dtype=np.float64) for n in ("cka", "rtd")}
        return cls(tuple(data["layers"]), np.array(data["matrix"], dtype=np.float64), data["metric"], dim, **opt)


# -- input -------------------------------------------------------------------------
def _is_diagram_form(v: Any) -> bool:
    """Diagrams in one of the converter's forms; a bare array is always a layer's point cloud."""
    if isinstance(v, (Diagrams, dict)) or is_gudhi_list(v):
        return True
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(a, np.ndarray) and a.ndim == 2 for a in v)


def _layer_inputs(data: Any, name: str) -> tuple[dict[str, np.ndarray] | None, dict[str, Diagrams] | None]:
    """Arrays per layer (flattened to (n, features)) or diagrams per layer."""
    from ..activations import Activations

    if isinstance(data, LayerProfile):
        return None, dict(zip(data.layers, data.diagrams))
    if not isinstance(data, (Mapping, Activations)):
        raise TypeError(
            f"{name} must be an Activations, a dict of layer name -> array, or a dict of layer name -> Diagrams, "
            f"got {type(data).__name__}."
        )
    if len(data) == 0:
        raise ValueError(f"{name} must hold at least one layer, got an empty mapping.")
    values = list(data.values())
    is_dgm = [_is_diagram_form(v) for v in values]
    if all(is_dgm):
        return None, {str(k): as_diagrams(v, name=f"{name}[{k!r}]") for k, v in data.items()}
    if any(is_dgm):
        raise TypeError(f"{name} mixes Diagrams and arrays; give every layer as arrays or every layer as Diagrams.")
    arrays: dict[str, np.ndarray] = {}
    for layer, a in data.items():
        arr = as_numpy(a, name=f"{name}[{layer!r}]")
        if arr.ndim < 2:
            raise ValueError(f"{name}[{layer!r}] must have shape (n_samples, n_features), got shape {arr.shape}.")
        if arr.shape[0] >= 3 and arr[0].size == 0:
            raise ValueError(f"{name}[{layer!r}] has no features per sample (shape {arr.shape}).")
        arr = arr.reshape(arr.shape[0], -1) if arr.shape[0] else arr.reshape(0, 1)
        if arr.shape[0] < 3:
            raise ValueError(
                f"{name}[{layer!r}] has {arr.shape[0]} sample{'s' if arr.shape[0] != 1 else ''}; a layer profile "
                "needs at least 3 samples per layer (a point cloud). Capture more inputs."
            )
        arrays[str(layer)] = check_points(arr, name=f"{name}[{layer!r}]", min_points=3)
    return arrays, None


def _same_samples(arrays: dict[str, np.ndarray], why: str) -> int:
    """The common number of rows; a ValueError naming the first layer that differs."""
    first, n = next(iter(arrays)), next(iter(arrays.values())).shape[0]
    for layer, X in arrays.items():
        if X.shape[0] != n:
            raise ValueError(f"{why} needs every layer to hold the same samples: {first!r} has {n} rows, "
                             f"{layer!r} has {X.shape[0]}.")
    return n


def _check_labels(labels: Any, n: int) -> np.ndarray:
    lab = as_numpy(labels, name="labels")
    if lab.ndim != 1 or lab.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), one label per sample, got shape {lab.shape}.")
    if np.issubdtype(lab.dtype, np.floating) and not np.isfinite(lab).all():
        bad = np.flatnonzero(~np.isfinite(lab))
        raise ValueError(f"labels contains {bad.size} NaN or infinite values (first at row {int(bad[0])}); every "
                         "sample needs a class. Drop those samples or give them a label.")
    return lab


def _check_scales(scales: Any, name: str = "scales") -> np.ndarray:
    if isinstance(scales, (int, float, np.number)) and not isinstance(scales, bool):
        scales = (scales,)
    if isinstance(scales, (str, bytes)) or not isinstance(scales, (Sequence, np.ndarray)) or len(scales) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers >= 0, got {scales!r}.")
    return np.array([check_real(s, name=name, min_value=0.0) for s in scales], dtype=np.float64)


# -- per-cloud computations ------------------------------------------------------------
def _reference_scale(X: np.ndarray, seed: int | None) -> float:
    """Median pairwise distance over at most ``_REFERENCE_SAMPLE`` seeded random points."""
    from scipy.spatial.distance import pdist

    if X.shape[0] > _REFERENCE_SAMPLE:
        X = X[np.random.default_rng(seed).choice(X.shape[0], _REFERENCE_SAMPLE, replace=False)]
    d = pdist(X)
    d = d[d > 0]
    return float(np.median(d)) if d.size else 0.0


def _hop_matrix(X: np.ndarray, k: int, max_hops: int):
    """Sparse hop distances <= ``max_hops`` on the symmetrised k-NN graph (k counts the point itself)."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    kk = min(k, n)
    ind = NearestNeighbors(n_neighbors=kk).fit(X).kneighbors(X, return_distance=False)
    rows = np.repeat(np.arange(n), kk)
    A = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, ind.ravel())), shape=(n, n))
    A = (A + A.T).tocsr()
    A.data[:] = 1.0  # an edge when either end chose the other
    A.setdiag(0.0)
    A.eliminate_zeros()
    hops, reach = A.copy(), A.copy()
    reach.setdiag(1.0)
    for h in range(2, max_hops + 1):  # breadth-first: the frontier of h hops by one sparse product
        nxt = reach @ A
        nxt.data[:] = 1.0
        front = nxt - reach.multiply(nxt)
        front.eliminate_zeros()
        hops = hops + h * front
        reach = reach + front
    hops = hops.tocoo()
    return sp.coo_matrix((hops.data.astype(np.float64), (hops.row, hops.col)), shape=(n, n))


def _twonn(X: np.ndarray) -> float:
    from .dimension import twonn

    try:
        return twonn(X)
    except ValueError:  # too few distinct points, tied neighbour distances, or an impossible estimate
        return float("nan")


def _significance(P: np.ndarray, bound: float, cfg: dict[str, Any], seed: int | None) -> tuple[Diagrams, dict]:
    """Diagrams and significance of one cloud (or of its landmarks ``P``) through :func:`tda_nn.significant_bars`.

    The landmarks are chosen by the caller, in the cloud's own dtype; counts,
    thresholds and p-values are those of :func:`tda_nn.significant_bars` on them
    (the landmark bound ``bound`` is carried along, not added to the threshold).
    """
    from .significance import significant_bars

    res = significant_bars(P, maxdim=cfg["maxdim"], alpha=cfg["alpha"], method=cfg["significance"],
                           correction=cfg.get("correction", "bonferroni"), n_bootstrap=cfg["n_bootstrap"], seed=seed,
                           n_jobs=1)
    dims = range(cfg["maxdim"] + 1)
    dg = res.all_diagrams
    if res.clusters is not None:  # the merge heights of the significant clusters, for significant_mask
        dg = dg.with_meta(significant_H0_deaths=[float(c.death) for c in res.clusters.clusters[1:]])
    return dg, {"band": res.band.get(0, float("nan")), "bound": bound,
                              "threshold": [res.threshold[d] for d in dims],
                              "n_significant": [res.n_significant(d) for d in dims],
                              "min_pvalue": [res.min_pvalue(d) for d in dims],
                              "n_tests": [res.n_tests(d) for d in dims],
                              "ratio": res.statistic == "death/birth"}


def _cloud(item: tuple[str, np.ndarray, int], *, cfg: dict[str, Any]) -> dict[str, Any]:
    """Diagrams, reference scale, noise level and intrinsic dimension of one cloud."""
    from ..homology import persistence

    layer, X, seed = item
    out: dict[str, Any] = {"intrinsic_dim": _twonn(X)}
    if cfg["method"] == "knn_hops":
        P = X[:: cfg["every"]]
        if P.shape[0] < 3:
            raise ValueError(f"layer {layer!r}: every={cfg['every']} leaves {P.shape[0]} points of {X.shape[0]}; "
                             "lower every or give more samples.")
        top = int(max(cfg["scales"]))
        H = _hop_matrix(P, cfg["k"], top)
        dg = persistence(H, metric="precomputed", maxdim=cfg["maxdim"], threshold=float(top),
                         n_threads=cfg["n_threads"])
        out.update(diagrams=dg.with_meta(layer=layer, method="knn_hops", k=cfg["k"], every=cfg["every"],
                                         reference_scale=1.0), reference=1.0, n_points=P.shape[0], noise=None)
        return out
    m = cfg["n_landmarks"]
    if m == "auto":
        m = _AUTO_LANDMARKS if X.shape[0] > _AUTO_LANDMARKS else None
    if m is not None and m >= X.shape[0]:
        m = None
    ref = _reference_scale(X, seed) if cfg["relative"] else 1.0
    if cfg["relative"] and ref <= 0:
        raise ValueError(f"layer {layer!r}: every sample has the same representation, so it has no distance scale; "
                         "use relative=False or drop the layer.")
    P, meta = X, {}
    if m is not None:
        from ..clouds import landmarks

        lm = landmarks(X, m, seed=seed)
        P = lm.points
        meta = {"n_landmarks": int(m), "covering_radius": lm.radius, "bottleneck_bound": lm.bound}
    if cfg["n_bootstrap"] > 0:
        dg, noise = _significance(P, float(meta.get("bottleneck_bound", 0.0)), cfg, seed)
        dg = dg.with_meta(**meta)
    else:
        noise = None
        dg = persistence(P, maxdim=cfg["maxdim"], n_threads=cfg["n_threads"]).with_meta(**meta)
    if m is not None:
        # H0 exactly on every sample: the spanning tree needs no distance matrix (tda_nn.homology.spanning_tree);
        # the diagrams above (H0 and H1+, with their significance) stay those of the landmarks
        from ..homology import spanning_tree

        deaths = spanning_tree(X, n_jobs=cfg["n_threads"])[2]
        if noise is not None and noise.get("ratio"):
            # The cluster test on every sample, not on the landmarks: max-min landmarks spread evenly over the
            # cloud and flatten the density that makes a cluster (on the digits' input, 5 clusters among 1,000
            # samples, 1 among 400 landmarks); the runt-ratio test costs a single-linkage tree, no n x n matrix.
            from .clusters import significant_clusters

            full = significant_clusters(X, alpha=cfg["alpha"], seed=seed)
            noise["n_significant"][0] = full.n_significant
            noise["min_pvalue"][0] = full.min_pvalue
            noise["n_tests"][0] = len(full.ratios)
            dg = dg.with_meta(significant_H0_deaths=[float(c.death) for c in full.clusters[1:]],
                              h0_test="runt-ratio test on all samples")
        dg = dg.with_meta(h0_exact_deaths=deaths, h0_exact_n_points=int(X.shape[0]),
                          exact=f"H0 exact on all {X.shape[0]} samples (a float64 minimum spanning tree, "
                                f"meta['h0_exact_deaths']); H0..H{cfg['maxdim']} of the diagrams on {m} max-min "
                                f"landmarks with covering radius r = {lm.radius:.6g} (meta['covering_radius']), "
                                "within bottleneck distance 2r (meta['bottleneck_bound']) of the full cloud's")
    else:
        dg = dg.with_meta(exact=f"H0..H{cfg['maxdim']} exact on all {X.shape[0]} samples")
    dg = dg.with_meta(layer=layer, reference_scale=ref)
    out.update(diagrams=dg, reference=ref, n_points=m if m is not None else X.shape[0], noise=noise)
    return out


# -- summaries of diagrams ---------------------------------------------------------------
def _count_alive(bars: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Bars with birth <= t < death, for every t."""
    return ((bars[:, :1] <= t[None, :]) & (t[None, :] < bars[:, 1:])).sum(axis=0)


def _summarise(layers: list[str], dgms: list[Diagrams], refs: np.ndarray, noise: list[Any], idims: Any,
               n_points: np.ndarray, scales: np.ndarray, cfg: dict[str, Any]) -> LayerProfile:
    from ..features import Amplitude, PersistentEntropy

    maxdim = cfg["maxdim"]
    dims = tuple(range(maxdim + 1))
    for layer, d in zip(layers, dgms):
        if d.maxdim < maxdim:
            raise ValueError(f"the diagrams of layer {layer!r} hold H0..H{d.maxdim}, fewer than maxdim={maxdim}.")
    dgms = [d if d.maxdim == maxdim else Diagrams(list(d)[: maxdim + 1], meta=d.meta) for d in dgms]
    units = [Diagrams([np.asarray(a) / r for a in d]) for d, r in zip(dgms, refs)]  # in the units of scales
    betti = np.array([[u.betti_numbers(float(s)) for s in scales] for u in units], dtype=np.int64)
    top = cfg["curve_max"]
    if top is None:
        finite = [a[np.isfinite(a)] for u in units for a in u]
        top = max((float(v.max()) for v in finite if v.size), default=1.0)
        top = max(top, float(scales.max()), 1e-12)
    grid = np.linspace(0.0, top, cfg["n_bins"])
    curves = np.array([[_count_alive(np.asarray(u[k]), grid) for k in dims] for u in units], dtype=np.int64)
    total = Amplitude(dims, p=1.0, infinity="drop").fit_transform(units)
    entropy = PersistentEntropy(dims, infinity="drop").fit_transform(units)
    n_sig = noise_arr = thr = bound = min_p = n_tests = None
    if noise and all(x is not None for x in noise):
        noise_arr = np.array([c["band"] / r for c, r in zip(noise, refs)], dtype=np.float64)
        bound = np.array([c["bound"] / r for c, r in zip(noise, refs)], dtype=np.float64)
        # a ratio threshold is unitless; a lifetime one goes to the units of scales
        thr = np.array([[t if c.get("ratio") else t / r for t in c["threshold"]] for c, r in zip(noise, refs)],
                       dtype=np.float64)
        n_sig = np.array([c["n_significant"] for c in noise], dtype=np.int64)
        min_p = np.array([c["min_pvalue"] for c in noise], dtype=np.float64)
        n_tests = np.array([c["n_tests"] for c in noise], dtype=np.int64)
    params = {key: cfg[key] for key in ("method", "maxdim", "relative", "scale_reference", "significance",
                                        "n_bootstrap", "alpha", "correction", "k", "every", "n_landmarks",
                                        "seed")}
    return LayerProfile(
        layers=tuple(layers), scales=scales, betti=betti, curve_grid=grid, betti_curves=curves,
        total_persistence=total, entropy=entropy, n_significant=n_sig, noise_level=noise_arr,
        intrinsic_dim=None if idims is None else np.asarray(idims, dtype=np.float64),
        reference_scale=np.asarray(refs, dtype=np.float64), n_points=np.asarray(n_points, dtype=np.int64),
        diagrams=tuple(dgms), params=params, threshold=thr, landmark_bound=bound, min_pvalue=min_p, n_tests=n_tests,
    )


def _profile_arrays(arrays: dict[str, np.ndarray], scales: np.ndarray, cfg: dict[str, Any]) -> LayerProfile:
    from ..parallel import pmap

    layers = list(arrays)
    items = [(layer, X, None if cfg["seed"] is None else cfg["seed"] + i) for i, (layer, X) in enumerate(arrays.items())]
    res = pmap(_cloud, items, n_jobs=cfg["n_jobs"], cfg=cfg)
    lost = [layer for layer, r in zip(layers, res) if np.isnan(r["intrinsic_dim"])]
    if lost:
        warnings.warn(
            f"intrinsic_dim is NaN for layers {lost}: TwoNN gives no estimate there (fewer than 3 distinct points, "
            "most nearest-neighbour distances tied as on a lattice or with quantised or collapsed activations, "
            "or an estimate above the layer's number of features).",
            UserWarning, stacklevel=find_stack_level())
    return _summarise(layers, [r["diagrams"] for r in res], np.array([r["reference"] for r in res]),
                      [r["noise"] for r in res], [r["intrinsic_dim"] for r in res],
                      np.array([r["n_points"] for r in res]), scales, cfg)


# -- public API ----------------------------------------------------------------------
def layer_profile(
    acts_or_diagrams: Any,
    *,
    labels: Any = None,
    maxdim: int = 1,
    scales: Sequence[float] | None = None,
    relative: bool = True,
    method: Method = "rips",
    n_landmarks: int | Literal["auto"] | None = "auto",
    n_bootstrap: int = 20,
    significance: Significance = "universal",
    alpha: float = 0.05,
    correction: Literal["bonferroni", "holm", "bh"] = "bonferroni",
    k: int = 35,
    every: int = 4,
    n_bins: int = 50,
    curve_max: float | None = None,
    seed: int | None = 0,
    n_jobs: int | None = None,
    include_all: bool = True,
) -> LayerProfile:
    """The topology of every layer's representation, optionally class by class.

    For every layer: the persistence diagrams (Vietoris-Rips, H0..H``maxdim``),
    Betti numbers at ``scales``, Betti curves, total persistence, persistent entropy,
    the number of significant bars and the TwoNN intrinsic dimension
    (:func:`tda_nn.diagnostics.twonn`, on all the layer's points).

    **Scales.** See the module docstring: with ``relative=True`` scales are fractions
    of the layer's median pairwise distance, so a circle of radius 1 (median distance
    ``sqrt 2``) has its loop at every scale from about its sampling gap up to
    ``sqrt(3) / sqrt(2) = 1.22``.

    **Significant bars** are those of :func:`tda_nn.significant_bars` on the layer's
    cloud (its landmarks when they are used), with ``method=significance``:
    ``'universal'`` gives every bar of H1+ a p-value (Bobrowski and Skraba 2023) and
    tests components of some mass for H0 (``min_pvalue`` holds the smallest adjusted
    p-value per layer and dimension); ``'bootstrap'`` and ``'subsample'`` count bars
    longer than ``threshold = 2 c``, ``c`` the radius of the ``(1 - alpha)``
    confidence band of Fasy et al. (2014). The landmark bound ``2r`` is reported in
    ``landmark_bound``, never added to the threshold. Essential bars always count.

    **Untangling** (``method='knn_hops'``; Naitzat, Zhitnikov, Lim, "Topology of deep
    neural networks", JMLR 2020). Every ``every``-th point of the layer (per class when
    ``labels`` are given), the symmetrised ``k``-nearest-neighbour graph (``k``
    counting the point itself, an edge when either end chose the other), the
    unweighted shortest-path (hop) distances, and the clique (Rips) complex of the
    hop matrix; ``scales`` are hop counts, default ``(1, 2)``.

    Parameters
    ----------
    acts_or_diagrams : Activations, dict of str to array-like, or dict of str to Diagrams
        Representations per layer, each of shape ``(n_samples, ...)`` (flattened to
        ``(n_samples, n_features)``: each sample is one point), or diagrams per layer
        (then only diagram summaries are computed: no bootstrap, no TwoNN).
    labels : array-like of shape (n_samples,), optional
        Class of every sample (e.g. ``acts.targets``): adds one sub-profile per
        class, in ``per_class``.
    maxdim : int, default=1
    scales : sequence of float, optional
        Where Betti numbers are read. Default ``(0.1, 0.25, 0.5)`` (relative),
        ``(1, 2)`` hops for ``knn_hops``; required with ``relative=False``.
    relative : bool, default=True
        Scales and lengths in units of each layer's median pairwise distance.
    method : {'rips', 'knn_hops'}, default='rips'
    n_landmarks : int, 'auto' or None, default='auto'
        ``rips`` only: compute on this many max-min landmarks
        (:func:`tda_nn.clouds.landmarks`; covering radius in the diagrams' meta).
        ``'auto'``: 1,000 landmarks for larger layers, else all points.
    n_bootstrap : int, default=20
        0 skips the significance test (``n_significant`` is None); otherwise the
        resamples of the band methods (at least ``ceil(1 / alpha)`` for them; unused by
        ``'universal'``). Not used by ``knn_hops``.
    significance : {'universal', 'bootstrap', 'subsample'}, default='universal'
        ``method`` of :func:`tda_nn.significant_bars`.
    alpha : float, default=0.05
    correction : {'bonferroni', 'holm', 'bh'}, default='bonferroni'
        Multiple testing over the bars of one diagram (``'universal'`` only).
    k : int, default=35
        ``knn_hops``: neighbours per point, the point itself included.
    every : int, default=4
        ``knn_hops``: keep every ``every``-th point.
    n_bins : int, default=50
        Points of the Betti-curve grid, ``linspace(0, curve_max, n_bins)``.
    curve_max : float, optional
        End of the grid (units of ``scales``); default the largest finite value.
    seed : int or None, default=0
        Seeds landmarks, reference samples and resamples (layer ``i`` uses ``seed + i``).
    n_jobs : int or None, default=None
        Layers in parallel through :func:`tda_nn.parallel.pmap`.
    include_all : bool, default=True
        With ``labels``: also profile all samples together (the top-level
        fields). ``False`` profiles the classes only (about half the work); the
        top-level fields then describe the first class.

    Returns
    -------
    LayerProfile

    Raises
    ------
    TypeError
        An input that is neither activations nor diagrams; labels with diagrams.
    ValueError
        A layer with fewer than 3 samples, NaN/inf, layers of different sample
        counts, ``labels`` of the wrong length, a class with fewer than 3 samples,
        ``relative=False`` without ``scales``, non-integer hop scales.

    Examples
    --------
    >>> import numpy as np
    >>> t = 2 * np.pi * np.arange(60) / 60
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> prof = layer_profile({"a": circle, "b": 3 * circle}, n_bootstrap=0)
    >>> prof.betti_sequence(dim=1, scale=1).tolist()
    [1, 1]
    """
    method = check_choice(method, name="method", choices=("rips", "knn_hops"))
    significance = check_choice(significance, name="significance", choices=("universal", "bootstrap", "subsample"))
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    n_bootstrap = check_int(n_bootstrap, name="n_bootstrap", min_value=0)
    alpha = check_probability(alpha, name="alpha")
    correction = check_choice(correction, name="correction", choices=("bonferroni", "holm", "bh"))
    k = check_int(k, name="k", min_value=2)
    every = check_int(every, name="every", min_value=1)
    n_bins = check_int(n_bins, name="n_bins", min_value=2)
    for flag, value in (("relative", relative), ("include_all", include_all)):
        check_flag(value, name=flag)
    if n_landmarks not in (None, "auto"):
        n_landmarks = check_int(n_landmarks, name="n_landmarks", min_value=3)
    if curve_max is not None:
        curve_max = check_real(curve_max, name="curve_max", min_value=0.0, strict=True)
    if scales is None:
        if method == "rips" and not relative:
            raise ValueError("scales is required with relative=False: give the distances at which to read Betti "
                             "numbers, e.g. scales=(0.5, 1.0).")
        scales = (1, 2) if method == "knn_hops" else (0.1, 0.25, 0.5)
    scales_arr = _check_scales(scales)
    if method == "knn_hops":
        if np.any(scales_arr < 1) or np.any(scales_arr != np.round(scales_arr)):
            raise ValueError(f"scales must be whole hop counts >= 1 for method='knn_hops', got {scales_arr.tolist()}.")
        relative = False
    arrays, diagrams = _layer_inputs(acts_or_diagrams, "acts_or_diagrams")
    cfg = dict(method=method, maxdim=maxdim, relative=bool(relative), significance=significance,
               n_bootstrap=n_bootstrap if method == "rips" else 0, alpha=alpha, correction=correction, k=k,
               every=every,
               n_landmarks=n_landmarks, n_bins=n_bins, curve_max=curve_max,
               seed=seed, n_jobs=n_jobs, scales=scales_arr.tolist(),
               n_threads=-1 if n_jobs in (None, 1) else 1,
               scale_reference="hops" if method == "knn_hops" else ("median_distance" if relative else "none"))

    if diagrams is not None:
        if labels is not None:
            raise TypeError("labels need activations: per-class profiles are computed from each class's points, "
                            "not from diagrams. Pass the activations instead.")
        refs, kinds = [], set()
        for layer, d in diagrams.items():
            if not relative:
                refs.append(1.0)
                continue
            ref = d.meta.get("reference_scale")
            if ref is None:
                finite = [a[np.isfinite(a)] for a in d]
                ref = max((float(v.max()) for v in finite if v.size), default=0.0)
                kinds.add("max_death")
            else:
                kinds.add("median_distance")
            if not ref > 0:
                raise ValueError(f"the diagrams of layer {layer!r} have no positive finite value to scale by; "
                                 "use relative=False.")
            refs.append(float(ref))
        if relative:
            cfg["scale_reference"] = "/".join(sorted(kinds))
        cfg["n_bootstrap"] = 0
        return _summarise(list(diagrams), list(diagrams.values()), np.array(refs), [None] * len(diagrams), None,
                          np.array([d.meta.get("n_points", -1) for d in diagrams.values()]), scales_arr, cfg)

    assert arrays is not None
    if labels is None:
        return _profile_arrays(arrays, scales_arr, cfg)
    lab = _check_labels(labels, _same_samples(arrays, "labels"))
    per_class: dict[Any, LayerProfile] = {}
    for c in np.unique(lab):
        rows = np.flatnonzero(lab == c)
        if rows.size < 3:
            raise ValueError(f"class {_plain_label(c)!r} has {rows.size} sample(s); per-class profiles need at least "
                             "3 samples per class.")
        per_class[_plain_label(c)] = _profile_arrays({lay: X[rows] for lay, X in arrays.items()}, scales_arr, cfg)
    profile = _profile_arrays(arrays, scales_arr, cfg) if include_all else next(iter(per_class.values()))
    return LayerProfile(**{**{f: getattr(profile, f) for f in profile.__dataclass_fields__}, "per_class": per_class})


def compare_layers(
    acts_or_profile: Any,
    *,
    metric: str = "wasserstein",
    dim: int | Sequence[int] | None = 1,
    normalize: bool = True,
    include_cka: bool = True,
    include_rtd: bool = False,
    rtd_kwargs: Mapping[str, Any] | None = None,
    profile_kwargs: Mapping[str, Any] | None = None,
    n_jobs: int | None = None,
    **metric_params: Any,
) -> LayerComparison:
    """A labelled layer x layer matrix of distances between the layers' diagrams.

    Parameters
    ----------
    acts_or_profile : Activations, dict of str to array-like, LayerProfile, or dict of str to Diagrams
        Activations are profiled first with :func:`layer_profile` (``maxdim`` set
        from ``dim``; more options in ``profile_kwargs``).
    metric : {'wasserstein', 'bottleneck', 'sliced_wasserstein', 'landscape', 'silhouette', 'betti', 'image'}
        Any metric of :func:`tda_nn.distances.pairwise_distances`; ``metric_params``
        go to it (``p``, ``essential``, ``n_bins``, ...).
    dim : int, tuple of int or None, default=1
        Homology dimensions compared (None: all).
    normalize : bool, default=True
        Divide every layer's diagrams by its reference scale (median pairwise
        distance; see :func:`layer_profile`) first, so that layers of different
        width and magnitude are compared by shape, not size.
    include_cka : bool, default=True
        Also the linear CKA matrix (:func:`tda_nn.diagnostics.cka`), when activations are given.
    include_rtd : bool, default=False
        Also the symmetric RTD matrix (:func:`tda_nn.diagnostics.rtd`, ``rtd_kwargs``
        passed on), when activations are given. Costly: one RTD per pair.
    n_jobs : int or None, default=None

    Returns
    -------
    LayerComparison

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> cmp = compare_layers({"a": X, "b": 2 * X, "c": X ** 2}, profile_kwargs={"n_bootstrap": 0})
    >>> cmp.layers, float(cmp.matrix[0, 1]), float(cmp.cka[0, 1])
    (('a', 'b', 'c'), 0.0, 1.0)
    """
    from ..distances import pairwise_distances
    from .similarity import cka, rtd

    check_flag(normalize, name="normalize")
    if isinstance(acts_or_profile, LayerProfile):
        profile, arrays = acts_or_profile, None
    else:
        arrays, diagrams = _layer_inputs(acts_or_profile, "acts_or_profile")
        if arrays is not None:
            top = max(dim) if isinstance(dim, Sequence) else (dim if dim is not None else 1)
            kwargs = {"maxdim": int(top), "n_jobs": n_jobs, **(profile_kwargs or {})}
            profile = layer_profile(arrays, **kwargs)
        else:
            assert diagrams is not None
            profile = layer_profile(diagrams, maxdim=max(d.maxdim for d in diagrams.values()), scales=(1.0,),
                                    relative=normalize)
    dgms = list(profile.diagrams)
    if normalize:
        dgms = [Diagrams([np.asarray(a) / r for a in d], meta=d.meta) for d, r in zip(dgms, profile.reference_scale)]
    matrix = pairwise_distances(dgms, metric=metric, dim=dim, n_jobs=n_jobs, **metric_params)
    if not np.all(np.isfinite(matrix)):
        warnings.warn(
            "some layer distances are infinite: the layers' diagrams have different numbers of essential bars "
            "(thresholded filtrations). Pass essential='ignore' to compare the finite bars.", RuntimeWarning,
            stacklevel=find_stack_level())
    cka_m = rtd_m = None
    if arrays is not None and (include_cka or include_rtd):
        _same_samples(arrays, "include_cka/include_rtd")
        layers = list(arrays)
        n = len(layers)
        if include_cka:
            cka_m = np.eye(n)
            for i in range(n):
                for j in range(i + 1, n):
                    cka_m[i, j] = cka_m[j, i] = cka(arrays[layers[i]], arrays[layers[j]])
        if include_rtd:
            rtd_m = np.zeros((n, n))
            for i in range(n):
                for j in range(i + 1, n):
                    rtd_m[i, j] = rtd_m[j, i] = rtd(arrays[layers[i]], arrays[layers[j]], **(rtd_kwargs or {}))
    dim_out = tuple(dim) if isinstance(dim, Sequence) else dim
    return LayerComparison(profile.layers, matrix, metric, dim_out, cka_m, rtd_m)
