"""``persistence``: one call for persistent homology, with the engine picked for the job."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .. import __version__
from .._optional import has_module
from ..diagrams import Diagrams
from ..parallel import pmap
from ..validation import (
    as_numpy,
    check_choice,
    check_distance_matrix,
    check_flag_or_auto,
    check_int,
    check_points,
    check_prime,
    check_real,
    find_stack_level,
    parse_memory,
)
from . import _memory

__all__ = ["BACKENDS", "COMPLEXES", "persistence", "persistence_batch"]

COMPLEXES = ("rips", "alpha", "witness", "cubical")
BACKENDS = ("auto", "ripser", "giotto-ph", "gudhi")
# which engines can compute which complex
_ENGINES = {"rips": ("giotto-ph", "ripser", "gudhi"), "alpha": ("gudhi",), "witness": ("giotto-ph", "ripser", "gudhi"), "cubical": ("gudhi",)}
# above this many points gudhi's unthresholded full Rips is far slower than ripser
# (measured here: 1,000 points in 50-D took 211 s in gudhi, 0.98 s in ripser.py)
_GUDHI_FULL_RIPS_MAX = 300
# nu of the lazy witness complex: a witness's own two nearest landmarks span an edge at 0
_WITNESS_NU = 2

Complex = Literal["rips", "alpha", "witness", "cubical"]
Backend = Literal["auto", "ripser", "giotto-ph", "gudhi"]


def persistence(
    X: Any,
    *,
    maxdim: int = 1,
    complex: Complex = "rips",
    metric: str = "euclidean",
    threshold: float = np.inf,
    coeff: int = 2,
    backend: Backend = "auto",
    n_threads: int = -1,
    collapse_edges: bool | Literal["auto"] = "auto",
    sparse: float | None = None,
    n_landmarks: int | Literal["auto"] | None = None,
    landmark_method: Literal["maxmin", "random"] = "maxmin",
    seed: int | None = 0,
    periodic: bool = False,
    max_memory: int | float | str | None = None,
) -> Diagrams:
    """Persistent homology of a point cloud, a distance matrix or an image.

    Parameters
    ----------
    X : array-like or torch.Tensor
        ``(n_points, n_features)`` points; an ``(n, n)`` dense or scipy-sparse
        distance matrix with ``metric="precomputed"`` (``inf`` or absent entries
        mean "no edge"); or a 1-, 2- or 3-D array of values for ``complex="cubical"``.
    maxdim : int, default=1
        Highest homology dimension computed.
    complex : {'rips', 'alpha', 'witness', 'cubical'}, default='rips'
        Vietoris-Rips (filtration value = edge length); alpha (gudhi, low-dimensional
        points; gudhi's squared radius ``a`` is reported as the diameter ``2 * sqrt(a)``
        so that alpha and Rips share a length scale); lazy witness (de Silva and
        Carlsson 2004, nu=2: the flag complex on ``n_landmarks`` max-min landmarks in
        which edge ``ab`` enters at ``min_w max(d(w,a), d(w,b)) - m_2(w)``, clipped at 0,
        over all points ``w`` as witnesses, ``m_2(w)`` the distance from ``w`` to its
        second-nearest landmark; computed by the Rips engine); cubical (gudhi,
        sublevel sets of the array values).
    metric : str, default='euclidean'
        Any scipy/scikit-learn metric name, or ``'precomputed'``.
    threshold : float, default=inf
        Largest edge length (Rips) or diameter (alpha) in the filtration. Bars alive
        at the threshold get death ``inf``.
    coeff : int, default=2
        Prime p; homology with coefficients in Z/pZ.
    backend : {'auto', 'ripser', 'giotto-ph', 'gudhi'}, default='auto'
        ``'auto'`` picks the fastest correct engine: giotto-ph for Rips when installed
        (all cores), else ripser.py; gudhi for alpha, cubical and sparse Rips.
        It never runs gudhi's full Rips on more than a few hundred points without a
        threshold.
    n_threads : int, default=-1
        Threads for giotto-ph (``-1``: all cores).
    collapse_edges : bool or 'auto', default='auto'
        Edge collapse before the reduction (exact). ``'auto'`` uses it only for
        ``maxdim >= 2``, where it pays (measured here: giotto-ph on 1,000 2-D points,
        maxdim 2, 3.3 s with against 11.3 s without; for maxdim 1 on 2,000 points it
        cost 30 s against 0.8 s).
    sparse : float or None, default=None
        ``eps`` for gudhi's sparse Rips approximation (Sheehy): the diagrams are
        (1 + eps)-approximations on a log scale; recorded in ``meta['approximation']``.
    n_landmarks : int, 'auto' or None, default=None
        Compute Rips on landmarks of the cloud. An int ``m`` uses ``m`` landmarks;
        ``'auto'`` uses the full cloud when it fits the memory budget and otherwise as
        many landmarks as fit, with a warning. The covering radius ``r`` of the
        landmarks is recorded in ``meta['covering_radius']`` and the stability bound it
        implies, ``meta['bottleneck_bound'] = 2 * r``: the bottleneck distance between
        the landmark diagrams and the full cloud's Rips diagrams is at most ``2 r``
        (Gromov-Hausdorff stability, d_GH(X, L) <= d_H(X, L) = r). For the witness
        complex, the number of landmarks (default ``min(n, 100)``).
    landmark_method : {'maxmin', 'random'}, default='maxmin'
    seed : int or None, default=0
        Seed of the landmark choice.
    periodic : bool, default=False
        Periodic boundary conditions for ``complex='cubical'``.
    max_memory : int, float, str or None, default=None
        Memory budget in bytes (default: half the physical memory). Above it the
        computation is refused before anything is built.

    Returns
    -------
    Diagrams
        ``dgms[i]`` is the ``(k, 2)`` array of H_i bars, sorted by (birth, death);
        zero-length bars dropped; ``inf`` deaths kept. ``dgms.meta`` records the
        engine and every parameter that shaped the result.

    Raises
    ------
    ValueError
        Bad input (NaN/inf, fewer than two points, a non-square, asymmetric or
        negative distance matrix, ``maxdim < 0``, non-prime ``coeff``, unknown
        ``backend``/``complex``, an engine that cannot compute ``complex``).
    MemoryBudgetError
        (a ``MemoryError`` and ``ValueError``) when the estimate exceeds ``max_memory``.
    ImportError
        When the requested optional engine is not installed (names the extra).

    Examples
    --------
    >>> import numpy as np, tda_nn
    >>> t = 2 * np.pi * np.arange(12) / 12
    >>> dgms = tda_nn.persistence(np.c_[np.cos(t), np.sin(t)], maxdim=1)
    >>> len(dgms[1])
    1
    """
    maxdim = check_int(maxdim, name="maxdim", min_value=0)
    complex = check_choice(complex, name="complex", choices=COMPLEXES)
    backend = check_choice(backend, name="backend", choices=BACKENDS)
    coeff = check_prime(coeff, name="coeff")
    threshold = check_real(threshold, name="threshold", min_value=0.0, allow_inf=True)
    n_threads = check_int(n_threads, name="n_threads", min_value=-1)
    if n_threads == 0:
        raise ValueError("n_threads must be a positive number of threads or -1 for all cores, got 0.")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a metric name such as 'euclidean' or 'precomputed', got {type(metric).__name__}.")
    collapse_edges = check_flag_or_auto(collapse_edges, name="collapse_edges")
    if sparse is not None:
        sparse = check_real(sparse, name="sparse", min_value=0.0, strict=True)
    max_memory = parse_memory(max_memory)
    if backend != "auto" and backend not in _ENGINES[complex]:
        raise ValueError(
            f"backend={backend!r} cannot compute complex={complex!r}; engines for it: {list(_ENGINES[complex])} "
            "(or backend='auto')."
        )
    if backend == "giotto-ph" and not has_module("gph"):
        raise ImportError('giotto-ph is not installed: pip install "tda_nn[fast]" (or use backend="ripser").')

    meta: dict[str, Any] = {
        "complex": complex,
        "maxdim": maxdim,
        "threshold": threshold,
        "coeff": coeff,
        "tda_nn_version": __version__,
    }
    if complex == "cubical":
        return _cubical(X, maxdim=maxdim, coeff=coeff, periodic=periodic, meta=meta)
    if complex == "rips":
        return _rips(X, maxdim=maxdim, metric=metric, threshold=threshold, coeff=coeff, backend=backend,
                     n_threads=n_threads, collapse_edges=collapse_edges, sparse=sparse, n_landmarks=n_landmarks,
                     landmark_method=landmark_method, seed=seed, max_memory=max_memory, meta=meta)
    # alpha and witness work on Euclidean points
    if metric != "euclidean":
        raise ValueError(f"complex={complex!r} works on Euclidean points; got metric={metric!r}. Use complex='rips'.")
    P = check_points(X, name="X").astype(np.float64)
    meta.update(metric="euclidean", n_points=int(P.shape[0]), n_features=int(P.shape[1]), backend="gudhi")
    if complex == "alpha":
        if P.shape[1] > 4:
            warnings.warn(
                f"the alpha complex in {P.shape[1]} dimensions can be very large; complex='rips' is usually "
                "faster above 3-D.", UserWarning, stacklevel=find_stack_level())
        from ._gudhi import alpha_gudhi

        meta["scale"] = "diameter = 2 * sqrt(gudhi alpha value)"
        return _finish(alpha_gudhi(P, maxdim=maxdim, threshold=threshold, coeff=coeff), meta)
    # witness
    m = min(P.shape[0], 100) if n_landmarks in (None, "auto") else check_int(n_landmarks, name="n_landmarks", min_value=2)
    if m > P.shape[0]:
        raise ValueError(f"n_landmarks={m} is larger than the number of points in X ({P.shape[0]}).")
    lm = _landmarks(P, m, metric="euclidean", method=landmark_method, seed=seed)
    from ._witness import lazy_witness_matrix

    E = lazy_witness_matrix(P, lm.points, nu=_WITNESS_NU)
    meta.update(n_landmarks=m, landmark_method=landmark_method, landmark_seed=seed, covering_radius=float(lm.radius),
                witness_nu=_WITNESS_NU,
                scale=f"lazy witness complex (de Silva-Carlsson), nu={_WITNESS_NU}: edge value "
                      "min_w max(d(w,a), d(w,b)) - m_nu(w), clipped at 0")
    sub = _rips(E, maxdim=maxdim, metric="precomputed", threshold=threshold, coeff=coeff, backend=backend,
                n_threads=n_threads, collapse_edges=collapse_edges, sparse=None, n_landmarks=None, landmark_method=landmark_method,
                seed=seed, max_memory=max_memory, meta={})
    meta["backend"] = f"lazy witness + {sub.meta['backend']}"
    return Diagrams(list(sub), meta=meta)


def _landmarks(X: Any, m: int, *, metric: str, method: str, seed: int | None):
    from ..clouds import landmarks

    return landmarks(X, m, method=method, metric=metric, seed=seed)


def _rips(X: Any, *, maxdim: int, metric: str, threshold: float, coeff: int, backend: str, n_threads: int,
          collapse_edges: bool | str, sparse: float | None, n_landmarks: Any, landmark_method: str,
          seed: int | None, max_memory: int | None, meta: dict[str, Any]) -> Diagrams:
    import scipy.sparse as sp

    precomputed = metric == "precomputed"
    if precomputed:
        data = check_distance_matrix(X, name="X")
        n = data.shape[0]
    else:
        data = check_points(X, name="X")
        n = data.shape[0]
        meta["n_features"] = int(data.shape[1])
    meta.update(metric=metric, n_points=int(n))
    collapse = (maxdim >= 2) if collapse_edges == "auto" else bool(collapse_edges)

    # landmarks: explicit, or automatic when the full cloud would not fit
    if n_landmarks is not None:
        if isinstance(n_landmarks, str):
            check_choice(n_landmarks, name="n_landmarks", choices=("auto",))
            need, _ = _memory.estimate_rips_bytes(n, maxdim, collapse=collapse)
            budget = parse_memory(max_memory)
            m = n if need <= budget else _fit_landmarks(maxdim, collapse, budget)
            if m < n:
                warnings.warn(
                    f"the full cloud of {n} points would need about {_memory.format_bytes(need)}, above the "
                    f"memory budget; computing on {m} max-min landmarks instead (see meta['bottleneck_bound']).",
                    UserWarning, stacklevel=find_stack_level())
        else:
            m = check_int(n_landmarks, name="n_landmarks", min_value=2)
            if m > n:
                raise ValueError(f"n_landmarks={m} is larger than the number of points in X ({n}).")
        if m < n:
            if sp.issparse(data):
                raise ValueError("n_landmarks needs points or a dense distance matrix, got a sparse matrix.")
            lm = _landmarks(data, m, metric=metric, method=landmark_method, seed=seed)
            data = lm.points
            n = m
            meta.update(n_landmarks=m, landmark_method=landmark_method, landmark_seed=seed,
                        covering_radius=float(lm.radius), bottleneck_bound=2.0 * float(lm.radius))

    # the memory guard
    frac = 1.0
    if maxdim >= 2 and not collapse and np.isfinite(threshold):
        frac = _edge_fraction(data, threshold, precomputed, metric)
    if not sp.issparse(data):
        need, what = _memory.estimate_rips_bytes(n, maxdim, edge_fraction=frac, collapse=collapse)
        _memory.check_budget(
            need, what, max_memory,
            hint="Use n_landmarks=m (e.g. 1000) or n_landmarks='auto' to compute on landmarks with a known "
                 "error bound, a finite threshold with a sparse distance matrix, or a lower maxdim.")

    # choose the engine
    if backend == "auto":
        if sparse is not None:
            backend = "gudhi"
        else:
            backend = "giotto-ph" if has_module("gph") else "ripser"
    if sparse is not None and backend != "gudhi":
        raise ValueError(f"sparse={sparse} (sparse Rips approximation) needs backend='gudhi' or 'auto', got {backend!r}.")
    if backend == "gudhi" and sparse is None and not np.isfinite(threshold) and n > _GUDHI_FULL_RIPS_MAX:
        warnings.warn(
            f"gudhi's full Rips on {n} points without a threshold is very slow (minutes); backend='auto' "
            "uses ripser or giotto-ph.", UserWarning, stacklevel=find_stack_level())
    meta["backend"] = backend

    if backend == "gudhi":
        # gudhi computes in double precision; ripser and giotto-ph in single. Feed
        # gudhi the same float32-rounded distances so that all engines agree exactly.
        D = data if precomputed else _distance_matrix(data, metric)
        if isinstance(D, np.ndarray):
            D = D.astype(np.float32).astype(np.float64)
        else:
            D = sp.coo_matrix((D.data.astype(np.float32).astype(np.float64), (D.row, D.col)), shape=D.shape)
        from ._gudhi import rips_gudhi

        meta["collapse_edges"] = collapse
        if sparse is not None:
            meta.update(sparse=sparse, approximation=f"sparse Rips (Sheehy), (1 + {sparse})-approximate diagrams")
        dgms = rips_gudhi(D, maxdim=maxdim, threshold=threshold, coeff=coeff, collapse_edges=collapse, sparse=sparse)
        return _finish(dgms, meta)

    if precomputed and isinstance(data, np.ndarray) and not np.isfinite(data).all():
        data = _dense_to_sparse(data)  # inf entries become absent edges
    if backend == "giotto-ph":
        from ._giotto import rips_giotto

        meta.update(collapse_edges=collapse)
        dgms = rips_giotto(data, maxdim=maxdim, threshold=threshold, coeff=coeff, precomputed=precomputed,
                           metric=metric, collapse_edges=collapse, n_threads=n_threads)
    else:
        from ._ripser import rips_ripser

        dgms = rips_ripser(data, maxdim=maxdim, threshold=threshold, coeff=coeff, precomputed=precomputed,
                           metric=metric)
    return _finish(dgms, meta)


def _fit_landmarks(maxdim: int, collapse: bool, budget: int) -> int:
    """The largest number of points whose Rips estimate fits the budget."""
    lo, hi = 2, 2
    while _memory.estimate_rips_bytes(hi * 2, maxdim, collapse=collapse)[0] <= budget and hi < 2**24:
        hi *= 2
    hi *= 2
    while lo < hi - 1:
        mid = (lo + hi) // 2
        if _memory.estimate_rips_bytes(mid, maxdim, collapse=collapse)[0] <= budget:
            lo = mid
        else:
            hi = mid
    return lo


def _distance_matrix(P: np.ndarray, metric: str) -> np.ndarray:
    from scipy.spatial.distance import pdist, squareform

    return squareform(pdist(P.astype(np.float64), metric=metric))


def _dense_to_sparse(D: np.ndarray):
    import scipy.sparse as sp

    rows, cols = np.nonzero(np.isfinite(D) & ~np.eye(len(D), dtype=bool))
    return sp.coo_matrix((D[rows, cols], (rows, cols)), shape=D.shape)


def _edge_fraction(data: Any, threshold: float, precomputed: bool, metric: str, n_pairs: int = 20000) -> float:
    """Fraction of pairwise distances <= threshold, estimated on random pairs."""
    import scipy.sparse as sp

    n = data.shape[0]
    rng = np.random.default_rng(0)
    i = rng.integers(0, n, n_pairs)
    j = rng.integers(0, n, n_pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    if sp.issparse(data):
        return 1.0
    if precomputed:
        d = data[i, j]
    elif metric == "euclidean":
        d = np.linalg.norm(data[i] - data[j], axis=1)
    else:
        return 1.0
    return float(np.mean(d <= threshold)) if len(d) else 1.0


def _finish(dgms: list[np.ndarray], meta: dict[str, Any]) -> Diagrams:
    """Drop zero-length bars and sort each diagram by (birth, death): a canonical form."""
    out = []
    for d in dgms:
        d = d[d[:, 1] > d[:, 0]]
        out.append(d[np.lexsort((d[:, 1], d[:, 0]))])
    return Diagrams(out, meta=meta)


def _cubical(X: Any, *, maxdim: int, coeff: int, periodic: bool, meta: dict[str, Any]) -> Diagrams:
    img = as_numpy(X, name="X").astype(np.float64)
    if img.ndim not in (1, 2, 3):
        raise ValueError(f"X must be a 1-, 2- or 3-D array of values for complex='cubical', got shape {img.shape}.")
    if img.size == 0:
        raise ValueError(f"X must not be empty, got shape {img.shape}.")
    if not np.isfinite(img).all():
        raise ValueError(f"X contains {int((~np.isfinite(img)).sum())} NaN or infinite values.")
    from ._gudhi import cubical_gudhi

    top = min(maxdim, img.ndim if periodic else img.ndim - 1)
    dgms = cubical_gudhi(img, maxdim=top, coeff=coeff, periodic=periodic)
    dgms += [np.empty((0, 2)) for _ in range(maxdim - top)]
    meta.update(backend="gudhi", shape=list(img.shape), periodic=periodic, filtration="sublevel",
                n_points=int(img.size))
    return _finish(dgms, meta)


def _one(item: tuple[int, Any], **kwargs: Any) -> Diagrams:
    i, X = item
    try:
        return persistence(X, **kwargs).with_meta(sample=i)
    except (ValueError, TypeError) as exc:  # name the batch argument and the cloud that failed
        msg = str(exc)
        msg = f"clouds[{i}]{msg[1:]}" if msg.startswith("X ") else f"clouds[{i}]: {msg}"
        try:
            err = type(exc)(msg)
        except Exception:  # an error type whose constructor takes other arguments: keep it as it is
            raise exc from None
        raise err from None


def persistence_batch(clouds: Any, *, n_jobs: int | None = None, **kwargs: Any) -> list[Diagrams]:
    """``persistence`` of many clouds (or images), in parallel through ``tda_nn.parallel.pmap``.

    Parameters
    ----------
    clouds : sequence of array-like, or ndarray of shape (n_clouds, n_points, n_features)
        The independent inputs; each is passed to :func:`persistence`.
    n_jobs : int or None, default=None
        Workers (``-1``: all cores). With several workers each engine runs on one
        thread unless ``n_threads`` is given.
    **kwargs
        Passed to :func:`persistence` (``maxdim``, ``complex``, ``metric``, ...).

    Returns
    -------
    list of Diagrams
        In the order of ``clouds``; ``meta['sample']`` holds the index.

    Examples
    --------
    >>> import numpy as np, tda_nn
    >>> clouds = np.random.default_rng(0).normal(size=(4, 30, 2))
    >>> [d.meta["sample"] for d in tda_nn.persistence_batch(clouds, maxdim=0)]
    [0, 1, 2, 3]
    """
    if isinstance(clouds, (str, bytes)) or not isinstance(clouds, (Sequence, np.ndarray)) and not hasattr(clouds, "__iter__"):
        raise TypeError(f"clouds must be a sequence of arrays, got {type(clouds).__name__}.")
    items = list(clouds)
    if not items:
        raise ValueError("clouds is empty; give at least one point cloud.")
    if n_jobs not in (None, 1) and "n_threads" not in kwargs:
        kwargs["n_threads"] = 1
    return pmap(_one, list(enumerate(items)), n_jobs=n_jobs, **kwargs)
