"""``persistence``: one call for persistent homology, with the engine picked for the job."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .. import __version__, budgets
from .._optional import has_module
from ..budgets import parse_memory
from ..diagrams import Diagrams
from ..parallel import pmap
from ..validation import (
    as_numpy,
    check_choice,
    check_distance_matrix,
    check_flag,
    check_flag_or_auto,
    check_int,
    check_points,
    check_prime,
    check_real,
    check_seed,
    find_stack_level,
)
from . import _mst
from ._choice import choose_collapse, enclosing_radius_bound
from ._cut import (
    BIRTH_FACTOR,
    MAX_EDGE_FRACTION,
    auto_exact_below,
    clip_alive,
    decide_scale,
    edge_profile,
    plan_round,
    predicted_cost,
)
from ._precision import RTOL, check_distance_range, drop_short_bars, prepare_points, refuse_complex

__all__ = ["BACKENDS", "COMPLEXES", "persistence", "persistence_batch"]

COMPLEXES = ("rips", "alpha", "witness", "cubical")
BACKENDS = ("auto", "ripser", "giotto-ph", "gudhi")
# which engines can compute which complex
_ENGINES = {"rips": ("giotto-ph", "ripser", "gudhi"), "alpha": ("gudhi",), "witness": ("giotto-ph", "ripser", "gudhi"), "cubical": ("gudhi",)}
# above this many points gudhi's unthresholded full Rips is far slower than ripser
# (measured here: 1,000 points in 50-D took 211 s in gudhi, 0.98 s in ripser.py)
_GUDHI_FULL_RIPS_MAX = 300
# the largest prime field each engine computes in (measured: ripser.py 0.6 hangs from coeff=131 on
# (a 12-gon, 60 s) and aborts with std::length_error from 46337; giotto-ph refuses 257 and above;
# gudhi refuses above 46337)
_MAX_COEFF = {"ripser": 127, "giotto-ph": 251, "gudhi": 46337}
# nu of the lazy witness complex: a witness's own two nearest landmarks span an edge at 0
_WITNESS_NU = 2

_CORES = os.cpu_count() or 1
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
    exact_below: float | Literal["auto"] | None = None,
    device: Any = None,
) -> Diagrams:
    """Persistent homology of a point cloud, a distance matrix or an image.

    Parameters
    ----------
    X : array-like or torch.Tensor
        ``(n_points, n_features)`` points; an ``(n, n)`` dense or scipy-sparse
        distance matrix with ``metric="precomputed"`` (``inf`` or absent entries
        mean "no edge"); or a 1-, 2- or 3-D array of values for ``complex="cubical"``.
        Real numbers only (complex dtypes raise ``TypeError``). Clouds under a
        translation-invariant metric (euclidean, cityblock, chebyshev, minkowski, ...)
        are centred before any engine sees them, so the diagrams do not depend on
        where the cloud sits (a unit circle translated by 1e8 keeps its loop).
        Distances beyond about 1e38 (float32's range, in which ripser and giotto-ph
        work) or a cloud narrower than about 1e-30 are refused: rescale first.
    maxdim : int, default=1
        Highest homology dimension computed. At most ``n - 1`` for ``n`` points (a
        ``k``-simplex needs ``k + 1`` vertices), and small enough that
        ``C(n, maxdim + 2)``, the number of candidate ``(maxdim + 1)``-simplices, fits
        the engines' 64-bit simplex index (maxdim <= 9 on 300 points); for
        ``complex='cubical'`` at most the array's dimension.
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
        Prime p; homology with coefficients in Z/pZ. At most 127 for ripser.py (it hangs
        above), 251 for giotto-ph and 46337 for gudhi; larger values are refused at once.
    backend : {'auto', 'ripser', 'giotto-ph', 'gudhi'}, default='auto'
        ``'auto'`` picks the fastest correct engine: for ``maxdim=0`` on points (euclidean,
        cosine, cityblock, chebyshev) the exact minimum spanning tree, which needs no
        distance matrix (:func:`tda_nn.homology.spanning_tree`; float64 deaths, identical
        to single linkage; ``meta['h0']`` says so); giotto-ph for Rips when installed
        (all cores), else ripser.py; gudhi for alpha, cubical, sparse Rips and prime
        fields above 251. An explicit engine computes everything itself.
        It never runs gudhi's full Rips on more than a few hundred points without a
        threshold.
    n_threads : int, default=-1
        Threads for giotto-ph (``-1``: all cores; capped at the number of cores).
    collapse_edges : bool or 'auto', default='auto'
        Edge collapse before the reduction (exact). ``'auto'`` decides from measured
        costs (``tda_nn/homology/_choice.py`` keeps the rule and the table): never for
        ``maxdim <= 1``, always for ``maxdim >= 3``; for ``maxdim == 2`` unless the
        filtration reaches past 0.8 x the diameter (threshold, or enclosing radius
        without one: spheres, where collapse lost 2-5x), and always when only the
        collapsed complex fits the memory budget.
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
    exact_below : float, 'auto' or None, default=None
        Rips only: compute H1 and above only up to this scale ``T`` (H0 is always
        computed in full, it is cheap). Bars dying below ``T`` are exactly those of the
        full filtration; bars alive at ``T`` are reported with death ``T`` (clipped,
        never ``inf``) and counted per dimension in ``meta['alive_at_exact_below']``;
        bars born after ``T`` are not seen. ``meta['exact_below'] = T`` (``inf`` when the
        full filtration was computed), ``meta['exact_below_reason']`` says why it cut or
        not and ``meta['exact']`` what is exact. ``'auto'`` (with landmarks of covering
        radius ``r``) cuts at ``2.5 r`` only where that was measured to pay: when at most
        60% of the edges the full computation uses (those up to the enclosing radius)
        lie below it (``meta['exact_below_edge_fraction']``); it then raises the cut
        until every H1+ bar born below ``2.5 r`` is decided against the significance
        threshold ``2 r`` (``meta['bottleneck_bound']``), exact if it dies below ``T``,
        known to be longer than ``2 r`` if alive there, and computes in full as soon as
        a further round is predicted to cost more than that. On the measured
        activation-like clouds (8-D latents in 256-D, Gaussian noise) it computes in
        full, on lower-dimensional ones (a 4-D latent, a trained MLP's layer) it cuts
        and saves 0-16%, on sampled manifolds (a circle or torus in 256-D) it is 3-6x
        faster end to end (rule and measurements: ``tda_nn/homology/_cut.py``).
        Its clipped bars are for lifetimes: the ``death / birth`` of a bar alive at
        ``T`` shrinks, so feed a ratio test (``significance='universal'``) the full
        diagram. Without landmarks
        ``'auto'`` computes in full. A number is always honoured below the enclosing
        radius. ``None``: the full filtration.
    device : torch.device, str or None, default=None
        Where the exact H0 spanning tree runs its tiles (``maxdim=0`` and the H0 of
        ``exact_below``, euclidean or cosine): torch kernels on this device
        (:mod:`tda_nn.nn.kernels`), the same tree and float64 lengths as the CPU.
        The Rips engines themselves always run on the CPU. ``None``: numpy.

    Returns
    -------
    Diagrams
        ``dgms[i]`` is the ``(k, 2)`` array of H_i bars, sorted by (birth, death);
        ``inf`` deaths kept. Bars no longer than ``1e-6`` times the extent of the
        diagrams (largest minus smallest finite value; ``meta['min_bar_length']``) are
        dropped in every engine and complex: they are below the float32 resolution of
        ripser and giotto-ph. So the engines agree on every kept bar up to float32
        rounding of the distances; near-duplicate points closer than that tolerance
        count as one point in every engine (three points 1e-9 apart inside a unit
        cloud give one H0 bar), and alpha's rounding bars (1e-14 on a regular
        polygon) are gone. ``dgms.meta`` records the
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
    coeff = check_prime(coeff, name="coeff", max_value=max(_MAX_COEFF.values()))
    threshold = check_real(threshold, name="threshold", min_value=0.0, allow_inf=True)
    n_threads = check_int(n_threads, name="n_threads", min_value=-1)
    if n_threads == 0:
        raise ValueError("n_threads must be a positive number of threads or -1 for all cores, got 0.")
    n_threads = min(n_threads, _CORES)  # more threads than cores only adds overhead
    refuse_complex(X, name="X")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a metric name such as 'euclidean' or 'precomputed', got {type(metric).__name__}.")
    collapse_edges = check_flag_or_auto(collapse_edges, name="collapse_edges")
    if sparse is not None:
        sparse = check_real(sparse, name="sparse", min_value=0.0, strict=True)
    max_memory = parse_memory(max_memory)
    # every parameter is checked, whether or not this call uses it
    search = _mst.device_search(device)
    landmark_method = check_choice(landmark_method, name="landmark_method", choices=("maxmin", "random"))
    if not isinstance(seed, np.random.Generator):
        seed = check_seed(seed, name="seed")
    periodic = check_flag(periodic, name="periodic")
    if n_landmarks is not None:
        if isinstance(n_landmarks, str):
            check_choice(n_landmarks, name="n_landmarks", choices=("auto",))
        else:
            check_int(n_landmarks, name="n_landmarks", min_value=2)
    if exact_below is not None:
        if isinstance(exact_below, str):
            check_choice(exact_below, name="exact_below", choices=("auto",))
        else:
            check_real(exact_below, name="exact_below", min_value=0.0, strict=True, allow_inf=True)
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
    if exact_below is not None and complex != "rips":
        raise ValueError(f"exact_below cuts a Rips filtration; got complex={complex!r}. Use complex='rips' or "
                         "exact_below=None.")
    if complex == "cubical":
        return _cubical(X, maxdim=maxdim, coeff=coeff, periodic=periodic, meta=meta)
    if complex == "rips":
        return _rips(X, maxdim=maxdim, metric=metric, threshold=threshold, coeff=coeff, backend=backend,
                     n_threads=n_threads, collapse_edges=collapse_edges, sparse=sparse, n_landmarks=n_landmarks,
                     landmark_method=landmark_method, seed=seed, max_memory=max_memory, meta=meta,
                     exact_below=exact_below, search=search)
    # alpha and witness work on Euclidean points
    if metric != "euclidean":
        raise ValueError(f"complex={complex!r} works on Euclidean points; got metric={metric!r}. Use complex='rips'.")
    P = prepare_points(check_points(X, name="X").astype(np.float64), "euclidean")
    _check_maxdim(maxdim, P.shape[0], "points")
    meta.update(metric="euclidean", n_points=int(P.shape[0]), n_features=int(P.shape[1]), backend="gudhi")
    if complex == "alpha":
        _check_alpha_size(P, max_memory)
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
                seed=seed, max_memory=max_memory, meta={}, exact_below=None)
    meta["backend"] = f"lazy witness + {sub.meta['backend']}"
    return Diagrams(list(sub), meta=meta)


# gudhi's alpha complex, measured here on n Gaussian points in 40-D (n <= 41: one Delaunay simplex, all
# 2^n - 1 faces): 12 points 0.12 s, 16 points 3.0 s, 18 points 15.2 s; 410-750 bytes of peak RSS per simplex
_ALPHA_BYTES_PER_SIMPLEX = 450
_ALPHA_MAX_SIMPLICES = 2**22  # about 2 GB and several minutes


def _check_alpha_size(P: np.ndarray, max_memory: Any) -> None:
    """Refuse an alpha complex whose Delaunay faces alone would not fit, before gudhi starts.

    Every top simplex of the Delaunay triangulation of points spanning an affine
    space of dimension ``k`` has ``2^(k + 1) - 1`` faces, so that many simplices is a
    lower bound (exact when ``n <= k + 1``: one simplex).
    """
    Z = P - P.mean(axis=0)
    sv = np.linalg.svd(Z, compute_uv=False) if len(Z) > 1 else np.zeros(1)
    k = int((sv > 1e-10 * max(float(sv.max(initial=0.0)), 1e-300)).sum())
    faces = 2.0 ** min(k + 1, len(P)) - 1
    need = faces * _ALPHA_BYTES_PER_SIMPLEX
    if faces > _ALPHA_MAX_SIMPLICES or need > parse_memory(max_memory):
        raise ValueError(
            f"complex='alpha' on X ({len(P)} points spanning {k} dimensions) builds at least {faces:.3g} simplices "
            f"(every Delaunay simplex has 2^(k+1) - 1 faces), about {budgets.format_bytes(need)} and "
            f"{faces * 6e-5:.3g} s at least; alpha is for low-dimensional points (k <= ~8). Use complex='rips' "
            "(or project X to a few dimensions first)."
        )


def _landmarks(X: Any, m: int, *, metric: str, method: str, seed: int | None):
    from ..clouds import landmarks

    return landmarks(X, m, method=method, metric=metric, seed=seed)


def _rips(X: Any, *, maxdim: int, metric: str, threshold: float, coeff: int, backend: str, n_threads: int,
          collapse_edges: bool | str, sparse: float | None, n_landmarks: Any, landmark_method: str,
          seed: int | None, max_memory: int | None, meta: dict[str, Any], exact_below: Any = None,
          search: Any = None) -> Diagrams:
    import scipy.sparse as sp

    precomputed = metric == "precomputed"
    if precomputed:
        data = check_distance_matrix(X, name="X")
        check_distance_range(data, name="X")
        n = data.shape[0]
    else:
        data = prepare_points(check_points(X, name="X"), metric)
        n = data.shape[0]
        meta["n_features"] = int(data.shape[1])
    meta.update(metric=metric, n_points=int(n))
    collapse = (maxdim >= 2) if collapse_edges == "auto" else bool(collapse_edges)
    engine = _pick_engine(backend, sparse, coeff)
    mst = _mst_route(backend, sparse, precomputed, metric)

    # landmarks: explicit, or automatic when the full cloud would not fit
    if n_landmarks is not None:
        if isinstance(n_landmarks, str):
            check_choice(n_landmarks, name="n_landmarks", choices=("auto",))
            if maxdim == 0 and mst:  # the spanning tree: no distance matrix
                need = budgets.estimate_mst(n, data.shape[1])[1]
            else:
                need = budgets.estimate_rips_bytes(n, maxdim, engine=engine, collapse=collapse)[0]
            budget = parse_memory(max_memory)
            m = n if need <= budget else _fit_landmarks(maxdim, collapse, budget, engine)
            if m < n:
                warnings.warn(
                    f"the full cloud of {n} points would need about {budgets.format_bytes(need)}, above the "
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

    _check_maxdim(maxdim, n, "landmarks" if "n_landmarks" in meta else "points")
    if maxdim == 0 and mst:
        # H0 exactly, without a distance matrix: the minimum spanning tree
        if exact_below is not None:
            meta["exact_below_reason"] = "maxdim=0: H0 is computed in full at every scale"
            _full_cut_meta(meta, maxdim)
        return _finish([_h0_mst(data, metric, threshold, max_memory, n_threads, meta, search)], meta)
    if collapse_edges == "auto":
        collapse = choose_collapse(data, maxdim=maxdim, threshold=threshold, precomputed=precomputed, metric=metric)
        if not collapse and maxdim >= 2 and not sp.issparse(data):
            # the rule prefers no collapse; still collapse when that alone fits the memory budget
            frac = _edge_fraction(data, threshold, precomputed, metric) if np.isfinite(threshold) else 1.0
            budget = parse_memory(max_memory)
            collapse = budgets.estimate_rips_bytes(n, maxdim, engine=engine, edge_fraction=frac)[0] > budget

    # the memory guard
    frac = 1.0
    if maxdim >= 2 and not collapse and np.isfinite(threshold):
        frac = _edge_fraction(data, threshold, precomputed, metric)
    if not sp.issparse(data):
        need, what = budgets.estimate_rips_bytes(n, maxdim, engine=engine, edge_fraction=frac, collapse=collapse)
        exact = ("For H0 alone, maxdim=0 computes it exactly without a distance matrix (a minimum spanning "
                 "tree). " if mst or not precomputed else "")
        budgets.check_budget(
            need, what, max_memory,
            hint=exact + "For higher dimensions use n_landmarks=m (e.g. 1000) or n_landmarks='auto' to compute on "
                 "landmarks with a known error bound, or a finite threshold with a sparse distance matrix.")

    backend = engine
    if backend == "gudhi" and sparse is None and not np.isfinite(threshold) and n > _GUDHI_FULL_RIPS_MAX:
        warnings.warn(
            f"gudhi's full Rips on {n} points without a threshold is very slow (minutes); backend='auto' "
            "uses ripser or giotto-ph.", UserWarning, stacklevel=find_stack_level())
    meta["backend"] = backend

    run = dict(data=data, backend=backend, coeff=coeff, precomputed=precomputed, metric=metric,
               n_threads=n_threads, sparse=sparse)
    if sparse is not None:
        meta.update(sparse=sparse, approximation=f"sparse Rips (Sheehy), (1 + {sparse})-approximate diagrams")
    cut = _resolve_cut(exact_below, meta, threshold)
    meta["collapse_edges"] = collapse
    if cut is None or maxdim == 0:
        if exact_below is not None:  # asked for, but the full filtration is exact everywhere
            if maxdim == 0 and cut is not None:
                meta["exact_below_reason"] = "maxdim=0: H0 is computed in full at every scale"
            _full_cut_meta(meta, maxdim)
        return _finish(_engine(maxdim=maxdim, threshold=threshold, collapse=collapse, **run), meta)
    auto = exact_below == "auto"
    if auto:  # the rule decides each round from the edge fraction below the cut (measured: homology/_cut.py)
        profile = edge_profile(data, precomputed=precomputed, metric=metric, threshold=threshold)
        full_from = profile.reach if profile is not None else threshold
    else:
        profile = None
        full_from = min(threshold, enclosing_radius_bound(data, precomputed) if metric in ("euclidean", "precomputed")
                        and not sp.issparse(data) else np.inf)
    h0, high, rounds, spent, frac = None, None, 0, 0.0, 1.0
    while True:
        if auto:
            go, reason, frac = plan_round(profile, cut, spent)
            spent += predicted_cost(frac)
        else:
            go = cut < full_from
            reason = (f"cut at {cut:.6g}, as given" if go else
                      f"the given cut {cut:.6g} lies at or beyond the enclosing radius {full_from:.6g}, where every "
                      "bar of dimension >= 1 is dead: computed in full")
        meta["exact_below_reason"] = reason
        if not go:
            cut = threshold
            break
        if h0 is None:  # H0 in full (a spanning tree: cheap); H1 and above up to the cut, alive bars clipped there
            if mst:
                h0 = _h0_mst(data, metric, threshold, max_memory, n_threads, meta, search)
            else:
                h0 = _engine(maxdim=0, threshold=threshold, collapse=False, **run)[0]
        if collapse_edges == "auto":
            collapse = choose_collapse(data, maxdim=maxdim, threshold=cut, precomputed=precomputed, metric=metric)
        high = _engine(maxdim=maxdim, threshold=cut, collapse=collapse, **run)
        rounds += 1
        if not auto:
            break
        need = decide_scale(high, cut, meta["bottleneck_bound"])
        if need <= cut:
            break
        if rounds >= _CUT_ROUNDS:
            meta["exact_below_reason"] = (f"after {rounds} cut round(s) some bars alive at {cut:.6g} are still "
                                          f"undecided against {meta['bottleneck_bound']:.6g}: computed in full")
            cut = threshold
            break
        cut = need
    meta.update(collapse_edges=collapse, exact_below_rounds=rounds)
    if auto:
        meta["exact_below_edge_fraction"] = frac
    if cut >= threshold:  # the rule declined, or the cut grew to the whole filtration: compute it in full
        _full_cut_meta(meta, maxdim)
        meta.pop("h0", None)  # one engine computes everything, H0 included: the same numbers as without a cut
        return _finish(_engine(maxdim=maxdim, threshold=threshold, collapse=collapse, **run), meta)
    dgms, alive = clip_alive([h0] + high[1:], cut)
    meta.update(exact_below=cut, alive_at_exact_below=alive,
                exact=f"H0 at every scale; H1..H{maxdim} exactly below exact_below = {cut:.6g} (bars alive there are "
                      "clipped to it and counted in meta['alive_at_exact_below']; bars born after it are not seen)"
                      + _on_what(meta))
    return _finish(dgms, meta)


def _on_what(meta: dict[str, Any]) -> str:
    """What the diagrams are of, for ``meta['exact']``."""
    return (", of the Rips filtration of the landmarks (within meta['bottleneck_bound'] of the cloud's)"
            if "n_landmarks" in meta else "")


def _full_cut_meta(meta: dict[str, Any], maxdim: int) -> None:
    """``meta`` of an ``exact_below`` request answered by the full filtration."""
    meta.update(exact_below=float("inf"), alive_at_exact_below=[0] * (maxdim + 1),
                exact=f"H0..H{maxdim} of the full filtration, no cut (meta['exact_below_reason'])" + _on_what(meta))


# metrics the spanning tree computes itself (GEMM tiles for the first two, cdist tiles for the rest)
_MST_METRICS = {"euclidean": "euclidean", "l2": "euclidean", "cosine": "cosine", "cityblock": "cityblock",
                "manhattan": "cityblock", "l1": "cityblock", "chebyshev": "chebyshev"}


def _mst_route(backend: str, sparse: Any, precomputed: bool, metric: str) -> bool:
    """Whether H0 comes from the exact minimum spanning tree (backend 'auto' on points)."""
    return backend == "auto" and sparse is None and not precomputed and metric in _MST_METRICS


def _h0_mst(data: np.ndarray, metric: str, threshold: float, max_memory: Any, n_threads: int,
            meta: dict[str, Any], search: Any = None) -> np.ndarray:
    """The H0 diagram from the minimum spanning tree, with its memory checked first."""
    n, d = data.shape
    if search is not None and _MST_METRICS[metric] not in ("euclidean", "cosine"):
        search = None  # the device kernels compute euclidean and cosine trees; the others stay on the CPU
    budgets.check_budget(budgets.estimate_mst(n, d)[1], f"the spanning tree of {n} points in {d}-D", max_memory,
                         hint="Use n_landmarks=m to compute on landmarks.")
    stats: dict[str, Any] = {}
    _, _, w = _mst.mst_edges(np.asarray(data, dtype=np.float64), metric=_MST_METRICS[metric], n_jobs=n_threads,
                             search=search, stats=stats)
    meta.setdefault("backend", "minimum spanning tree")
    meta["h0"] = f"exact: minimum spanning tree (Boruvka over {stats.get('search', 'tiles')}, float64 distances)"
    return _mst.h0_diagram(w, threshold)


def _resolve_cut(exact_below: Any, meta: dict[str, Any], threshold: float) -> float | None:
    """The cut scale T, or None for the full filtration (no cut asked, or the threshold is lower)."""
    if exact_below is None:
        return None
    if isinstance(exact_below, str):
        check_choice(exact_below, name="exact_below", choices=("auto",))
        if "covering_radius" not in meta:  # no landmarks: the cloud itself, nothing to bound
            meta["exact_below_reason"] = ("exact_below='auto' scales the cut by the landmarks' covering radius; "
                                          "without n_landmarks there is none: computed in full")
            return None
        T = auto_exact_below(meta["covering_radius"])
        meta["exact_below_rule"] = (f"every H1+ bar born below {BIRTH_FACTOR:g} x covering radius decided against "
                                    "the significance threshold 2 x covering radius, when the edges below the cut "
                                    f"are at most {MAX_EDGE_FRACTION:.0%} of the full computation's")
    else:
        T = check_real(exact_below, name="exact_below", min_value=0.0, strict=True, allow_inf=True)
        meta["exact_below_rule"] = "given"
    if T >= threshold:
        meta["exact_below_reason"] = f"the cut {T:.6g} is at or above threshold={threshold:.6g}: computed in full"
        return None
    return float(T)


def _engine(*, data: Any, backend: str, maxdim: int, threshold: float, coeff: int, precomputed: bool, metric: str,
            n_threads: int, collapse: bool, sparse: float | None) -> list[np.ndarray]:
    """One call of the chosen Rips engine on validated data."""
    import scipy.sparse as sp

    if backend == "gudhi":
        # gudhi computes in double precision; ripser and giotto-ph in single. Feed
        # gudhi the same float32-rounded distances so that all engines agree exactly.
        D = data if precomputed else _distance_matrix(data, metric)
        if isinstance(D, np.ndarray):
            D = D.astype(np.float32).astype(np.float64)
        else:
            D = sp.coo_matrix((D.data.astype(np.float32).astype(np.float64), (D.row, D.col)), shape=D.shape)
        from ._gudhi import rips_gudhi

        return rips_gudhi(D, maxdim=maxdim, threshold=threshold, coeff=coeff, collapse_edges=collapse, sparse=sparse)

    if precomputed and isinstance(data, np.ndarray) and not np.isfinite(data).all():
        data = _dense_to_sparse(data)  # inf entries become absent edges
    if backend == "giotto-ph":
        from ._giotto import rips_giotto

        return rips_giotto(data, maxdim=maxdim, threshold=threshold, coeff=coeff, precomputed=precomputed,
                           metric=metric, collapse_edges=collapse, n_threads=n_threads)
    else:
        from ._ripser import rips_ripser

        return rips_ripser(data, maxdim=maxdim, threshold=threshold, coeff=coeff, precomputed=precomputed,
                           metric=metric)




def _pick_engine(backend: str, sparse: float | None, coeff: int) -> str:
    """The Rips engine that will run: the one asked for, or the fastest that computes this job."""
    engine = backend
    if backend == "auto":
        engine = "gudhi" if sparse is not None else ("giotto-ph" if has_module("gph") else "ripser")
    if coeff > _MAX_COEFF[engine]:
        fits = [b for b, top in _MAX_COEFF.items() if coeff <= top]
        if backend == "auto" and "gudhi" in fits:
            return "gudhi"  # the only engine with this field (slower on large clouds, still exact)
        raise ValueError(f"coeff={coeff} is above the largest prime field of backend={engine!r} "
                         f"(Z/{_MAX_COEFF[engine]}Z); use coeff <= {_MAX_COEFF[engine]}, or backend="
                         f"{fits[0]!r} (up to {_MAX_COEFF[fits[0]]}).")
    if sparse is not None and engine != "gudhi":
        raise ValueError(f"sparse={sparse} (sparse Rips approximation) needs backend='gudhi' or 'auto', got {engine!r}.")
    return engine


def _fit_landmarks(maxdim: int, collapse: bool, budget: int, engine: str) -> int:
    """The largest number of points whose Rips estimate fits the budget."""
    lo, hi = 2, 2
    while budgets.estimate_rips_bytes(hi * 2, maxdim, engine=engine, collapse=collapse)[0] <= budget and hi < 2**24:
        hi *= 2
    hi *= 2
    while lo < hi - 1:
        mid = (lo + hi) // 2
        if budgets.estimate_rips_bytes(mid, maxdim, engine=engine, collapse=collapse)[0] <= budget:
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
    """Drop bars below the relative tolerance and sort each diagram by (birth, death): a canonical form."""
    dgms, tol = drop_short_bars(dgms, RTOL)
    meta["min_bar_length"] = tol
    return Diagrams([d[np.lexsort((d[:, 1], d[:, 0]))] for d in dgms], meta=meta)


# exact_below='auto' extends its cut at most this often before computing in full
_CUT_ROUNDS = 3

# ripser and giotto-ph number simplices in the combinatorial number system with a
# 64-bit integer; they enumerate (maxdim + 1)-simplices as cofaces
_MAX_SIMPLEX_INDEX = 2**63 - 1


def _check_maxdim(maxdim: int, n: int, what: str) -> None:
    """Refuse a maxdim that no complex on n points can have, or that no engine can index."""
    if maxdim >= n:
        raise ValueError(
            f"maxdim={maxdim} needs at least maxdim + 1 = {maxdim + 1} {what} (a {maxdim}-simplex has "
            f"{maxdim + 1} vertices), got {n}; H_k of a complex on {n} {what} is 0 for k >= {max(n - 1, 0)}. "
            f"Use maxdim <= {max(n - 2, 0)}."
        )
    if math.comb(n, maxdim + 2) > _MAX_SIMPLEX_INDEX:
        top = 0
        while top + 1 < n and math.comb(n, top + 3) <= _MAX_SIMPLEX_INDEX:
            top += 1
        raise ValueError(
            f"maxdim={maxdim} on {n} {what}: the complex can have C({n}, {maxdim + 2}) = "
            f"{float(math.comb(n, maxdim + 2)):.3g} simplices of dimension {maxdim + 1}, beyond the 64-bit "
            f"simplex index of ripser and giotto-ph and beyond any feasible computation. Use maxdim <= {top}."
        )


def _cubical(X: Any, *, maxdim: int, coeff: int, periodic: bool, meta: dict[str, Any]) -> Diagrams:
    img = as_numpy(X, name="X").astype(np.float64)
    if img.ndim not in (1, 2, 3):
        raise ValueError(f"X must be a 1-, 2- or 3-D array of values for complex='cubical', got shape {img.shape}.")
    if img.size == 0:
        raise ValueError(f"X must not be empty, got shape {img.shape}.")
    if not np.isfinite(img).all():
        raise ValueError(f"X contains {int((~np.isfinite(img)).sum())} NaN or infinite values.")
    if maxdim > img.ndim:
        raise ValueError(
            f"maxdim={maxdim} is above the dimension of the {img.ndim}-D array X: a cubical complex on it has no "
            f"cells above dimension {img.ndim}, so H_k is 0 for k > {img.ndim}. Use maxdim <= {img.ndim}."
        )
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
    except (ValueError, TypeError) as exc:
        # name the cloud that failed: "clouds[3]: X contains ..." (X is that cloud, as persistence saw it)
        msg = f"clouds[{i}]: {exc}"
        try:
            err = type(exc)(msg)
        except TypeError:  # an exception type with another constructor: keep it as it is
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
