"""The stages of :func:`tda_nn.analyze` that read the two pillars and the exact regions.

Each stage turns results of another room into plain data for the
:class:`~tda_nn.report.Report` (and, for symmetries, into
:class:`~tda_nn.findings.Finding` objects):

* :func:`loops_stage` -- for every significant loop of every layer, the samples
  along its representative cycle in loop order (:func:`tda_nn.representative_cycles`),
  their labels and the inputs themselves (images, strings, ``(token, sentence)``
  pairs); with two or more layers holding loops, the loops' lifelines across depth
  (:func:`tda_nn.track_features`).
* :func:`symmetry_stage` -- per-layer invariance and equivariance with intervals
  and orbit fractions (:func:`tda_nn.symmetry_summary`), and its findings
  (:func:`tda_nn.findings.symmetry_findings`, re-exported here).
* :func:`regions_payload` -- activation regions on the plane through three samples,
  counted exactly where the model allows it (``method='exact'``, the polygons kept
  for the figure) and on a grid otherwise (a lower bound, said so).

The layers' 2-D views and their CKA matrices (centred Gram matrices) live here too.

numpy-only at import: the torch wing is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .findings import Finding, loop_findings, symmetry_findings
from .results import restored_input  # noqa: F401  (moved to the results room; re-exported for callers)

__all__ = ["check_actions", "loop_findings", "loops_stage", "pillar_stages", "regions_payload", "symmetry_findings", "symmetry_stage"]

_log = logging.getLogger("tda_nn")
_THUMB = 32  # largest side of an image stored for a loop panel (the HTML thumbnail's size)


def check_actions(actions: Any) -> dict[str, Any] | None:
    """``None``, or the actions as ``{name: action}`` (:func:`~tda_nn.nn.symmetry_summary.parse_actions`).

    Raises
    ------
    ValueError
        An unknown action name (the message lists the known ones).
    TypeError
        Neither a list of actions or names, a dict, nor a comma-separated str.
    """
    if actions is None:
        return None
    from .nn.symmetry_summary import parse_actions

    return parse_actions(actions)


def pillar_stages(model: Any, acts: Any, profile: Any, read_inputs: Callable[[], Any], *, labels: Any, inputs: Any,
                  loops: bool, symmetry: Any, max_points: int, max_samples: int, n_bootstrap: int, batch_size: int,
                  seed: int, done: Callable[[str, str], None],
                  failed: Callable[[str, Exception], None]) -> tuple[dict | None, dict | None, list[Finding]]:
    """The loops and symmetry stages of :func:`tda_nn.analyze`, with their findings.

    Loops are optional: a failure is handed to ``failed`` (a note in the report) and
    the run goes on. Symmetries are asked for by name: their errors raise.

    Parameters
    ----------
    model, acts, profile
        The model, its captured layers and their profile.
    read_inputs : callable
        Returns the model inputs as an array, or None when they are not in memory.
    labels, inputs
        As in :func:`loops_stage`; ``inputs=None`` shows the model inputs.
    loops : bool
    symmetry : dict of name to action, or None
        Parsed by :func:`tda_nn.nn.symmetry_summary.parse_actions`.
    max_points, max_samples, n_bootstrap, batch_size, seed
        analyze's settings.
    done, failed : callable
        ``done(stage, detail)`` logs a finished stage; ``failed(stage, exc)`` records a failed optional one.

    Returns
    -------
    loops : dict or None
    symmetry : dict or None
    findings : list of Finding
    """
    loops_data, sym_data, found = None, None, []
    if loops:
        try:
            shown = inputs if inputs is not None else read_inputs()
            loops_data = loops_stage(acts, profile, labels=labels, inputs=shown, max_points=max_points, seed=seed)
            found = loop_findings(loops_data)
            done("loops", "no significant loop" if loops_data is None else
                 f"{sum(len(v['loops']) for v in loops_data['layers'].values())} loops")
        except Exception as exc:  # an optional stage: a note, never a lost run
            loops_data, found = None, []
            failed("loops", exc)
    if symmetry is not None:
        X = read_inputs()
        if X is None:
            raise ValueError("symmetry= needs the model's inputs in memory (images or sequences as an array, a "
                             "tensor or an (X, y) tuple); the actions transform them.")
        sym_data, more = symmetry_stage(model, X, symmetry, list(acts.layers), n_samples=max_samples,
                                        n_bootstrap=n_bootstrap, batch_size=batch_size, seed=seed)
        found = found + more
        done("symmetry", ", ".join(sym_data["invariance"]))
    return loops_data, sym_data, found


# -- views and CKA (the layer comparisons analyze draws) ---------------------------------------------------------
def _grams(arrays: Sequence[np.ndarray], kernel: str) -> list[np.ndarray]:
    """Doubly centred Gram matrices ``H K H`` of each representation (rows: the same samples).

    ``kernel='linear'``: ``K = X X^T``; ``'rbf'``: ``exp(-|x_i - x_j|^2 / (2 sigma^2))``
    with ``sigma`` the median distance over the pairs ``i < j`` (the median heuristic
    of :func:`tda_nn.diagnostics.cka`).
    """
    out = []
    for a in arrays:
        X = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
        X = X - X.mean(axis=0)
        G = X @ X.T
        if kernel == "rbf":
            sq = np.diag(G)
            D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * G, 0.0)
            med2 = float(np.median(D2[np.triu_indices(len(X), 1)]))
            if not med2 > 0:
                raise ValueError("a layer has every pair of samples at distance 0; RBF CKA is undefined for it.")
            G = np.exp(-D2 / (2.0 * med2))
        G = G - G.mean(axis=0)
        G = G - G.mean(axis=1, keepdims=True)
        out.append(G)
    return out


def _cka_matrix(grams: Sequence[np.ndarray]) -> np.ndarray:
    """CKA between every pair: ``<K, L>_F / (|K|_F |L|_F)`` of the centred Grams (Kornblith et al. 2019)."""
    n = len(grams)
    norms = [float(np.sqrt(np.sum(G * G))) for G in grams]
    m = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = m[j, i] = float(np.sum(grams[i] * grams[j])) / (norms[i] * norms[j])
    return m


def _pca_view(G: np.ndarray, seed: int = 0) -> np.ndarray:
    """The samples on their first two principal axes, from the centred linear Gram ``X X^T``.

    The top two eigenvectors ``v`` of ``G`` scaled by the square roots of their
    eigenvalues are the principal coordinates; found by seeded subspace iteration
    on an 8-column block (a few products with ``G``, not a full eigendecomposition).
    """
    n = G.shape[0]
    Q = np.random.default_rng(seed).standard_normal((n, min(8, n)))
    for _ in range(8):
        Q, _ = np.linalg.qr(G @ Q)
    w, V = np.linalg.eigh(Q.T @ G @ Q)
    top = np.argsort(w)[::-1][:2]
    out = (Q @ V[:, top]) * np.sqrt(np.maximum(w[top], 0.0))
    out = out * np.where(out.sum(axis=0) < 0, -1.0, 1.0)  # a sign fixed by the data, not by the solver
    return out if out.shape[1] == 2 else np.c_[out, np.zeros(n)]


def _views(acts: Any, layers: Sequence[str], grams: Sequence[np.ndarray], view: str, labels: Any, seed: int,
           class_names: Mapping[Any, str]) -> dict[str, Any]:
    """A 2-D view of every layer's cloud (PCA, or UMAP when asked and installed), for the report figure."""
    coords: dict[str, list] = {}
    method = view
    if view == "umap":
        try:
            import umap  # noqa: F401
        except ImportError:
            method = "pca"
    for layer, G in zip(layers, grams):
        if method == "umap":
            import umap

            X = np.asarray(acts[layer], dtype=np.float64).reshape(acts.n_samples, -1)
            xy = umap.UMAP(n_components=2, random_state=seed).fit_transform(X)
        else:
            xy = _pca_view(G, seed)
        coords[layer] = np.round(xy, 5).tolist()
    lab = None if labels is None else [_plain(v) for v in np.asarray(labels).tolist()]
    names = None if labels is None else {str(c): class_names.get(c, str(c)) for c in np.unique(labels).tolist()}
    return {"method": method, "coords": coords, "labels": lab, "class_names": names}


# -- loops -------------------------------------------------------------------------------------------------------
def _stored_input(x: Any) -> Any:
    """One sample's input as plain data for ``report.json``: text as is, images as small uint8 grids."""
    if isinstance(x, bytes):
        return x.decode(errors="replace")
    if isinstance(x, str):
        return x
    if isinstance(x, (tuple, list)) and len(x) == 2 and all(isinstance(t, str) for t in x):
        return [x[0], x[1]]
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 3:  # (C, H, W) or (H, W, C): average the channels
        a = a.mean(axis=-1) if a.shape[-1] in (1, 3, 4) and a.shape[0] not in (1, 3, 4) else a.mean(axis=0)
    if a.ndim == 1:
        side = int(round(np.sqrt(a.size)))
        if side * side == a.size and side >= 4:
            a = a.reshape(side, side)
        else:
            return [round(float(v), 4) for v in a[:16]]
    if a.ndim != 2:
        return None
    h, w = a.shape
    sh, sw = max(1, -(-h // _THUMB)), max(1, -(-w // _THUMB))
    a = a[: h - h % sh, : w - w % sw].reshape(h // sh, sh, w // sw, sw).mean(axis=(1, 3))
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    g = np.zeros_like(a) if not hi > lo else (a - lo) / (hi - lo)
    return {"image": np.round(255 * g).astype(np.uint8).tolist()}


def loops_stage(acts: Any, profile: Any, *, labels: Any = None, inputs: Any = None, max_points: int = 500,
                track: bool = True, seed: int = 0) -> dict[str, Any] | None:
    """The samples along every significant H1 loop of every layer, in loop order.

    A layer's significant loops are its H1 bars whose lifetime (over the layer's
    median pairwise distance) exceeds the profile's threshold; each gets its
    representative cycle on the same cloud (max-min landmarks when the layer has more
    than ``max_points`` samples, indices still into the samples). With two or more
    such layers, :func:`tda_nn.track_features` follows each loop across depth.

    Parameters
    ----------
    acts : Activations
        The captured layers (``acts[layer]`` of shape (n_samples, ...)).
    profile : LayerProfile
        With significance (``threshold`` not None) and ``reference_scale``.
    labels : array-like of shape (n_samples,), optional
    inputs : array of shape (n_samples, ...) or sequence of length n_samples, optional
        What each sample is: images (stored as thumbnails of at most 32 x 32),
        strings, or ``(token, sentence)`` pairs. Only the samples on a loop are kept.
    max_points : int, default=500
    track : bool, default=True
        Also compute lifelines across layers (when at least two layers hold loops).
    seed : int, default=0

    Returns
    -------
    dict or None
        ``{"layers": {layer: {"cycles": Cycles.to_dict(), "diagram": [[b, d], ...],
        "threshold": absolute lifetime threshold, "reference_scale": float,
        "loops": [{"indices", "labels", "bar", "bar_relative"}]}}, "inputs": {index: stored input},
        "lifelines": Lifelines.to_dict() or None, "lifelines_note": str or None}``;
        ``None`` without significance (``n_bootstrap=0``) or when no layer has a significant loop.
    """
    from .cycles import representative_cycles

    if profile.threshold is None or profile.n_significant is None or profile.maxdim < 1:
        return None
    n = acts.n_samples
    lab = None if labels is None else np.asarray(labels).reshape(-1)
    n_landmarks = max_points if n > max_points else None
    out: dict[str, Any] = {}
    used: set[int] = set()
    for i, layer in enumerate(profile.layers):
        k = int(profile.n_significant[i, 1])
        if k == 0:
            continue
        ref = float(profile.reference_scale[i])
        thr = float(profile.threshold[i, 1]) * ref
        X = np.asarray(acts[layer], dtype=np.float64).reshape(n, -1)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
            cyc = representative_cycles(X, bars=k, n_landmarks=n_landmarks, seed=seed)
        keep = [c for c in cyc if c.persistence > thr]
        if not keep:
            continue
        body = cyc.to_dict()
        body["cycles"] = [c for c, cy in zip(body["cycles"], cyc) if cy.persistence > thr]
        loops = []
        for c in keep:
            idx = [int(j) for j in c.indices]
            used.update(idx)
            loops.append({"indices": idx, "labels": None if lab is None else [_plain(lab[j]) for j in idx],
                          "bar": [float(c.bar[0]), float(c.bar[1])],
                          "bar_relative": [float(c.bar[0]) / ref, float(c.bar[1]) / ref]})
        out[layer] = {"cycles": body, "diagram": np.asarray(cyc.diagram, dtype=float).tolist(), "threshold": thr,
                      "reference_scale": ref, "loops": loops}
    if not out:
        return None
    stored: dict[str, Any] = {}
    if inputs is not None:
        for j in sorted(used):
            if j < len(inputs):
                stored[str(j)] = _stored_input(inputs[j])
    lifelines, note = None, None
    if track and len(out) >= 2:
        lifelines, note = _lifelines(acts, profile, out, n_landmarks, seed)
    _log.info("loops: %s", ", ".join(f"{lay} {len(v['loops'])}" for lay, v in out.items()))
    return {"layers": out, "inputs": stored, "lifelines": lifelines, "lifelines_note": note}


def _lifelines(acts: Any, profile: Any, loops: Mapping[str, Any], n_landmarks: int | None,
               seed: int) -> tuple[dict[str, Any] | None, str | None]:
    """Lifelines of the loops across every profiled layer (each layer's significant loops start or confirm one)."""
    from .cycles import track_features

    layers = list(profile.layers)
    n = acts.n_samples
    arrays = {layer: np.asarray(acts[layer], dtype=np.float64).reshape(n, -1) for layer in layers}
    bars = {layer: len(loops[layer]["loops"]) if layer in loops else 0 for layer in layers}
    min_pers = {layer: float(profile.threshold[i, 1]) * float(profile.reference_scale[i])
                for i, layer in enumerate(layers)}
    # the union of every layer's landmarks is the cloud tracked: keep it near max_points
    m = None if n_landmarks is None else max(20, n_landmarks // len(layers))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
        lines = track_features(arrays, layers, bars=bars, n_landmarks=m, min_persistence=min_pers, seed=seed)
    note = None
    if m is not None:
        note = (f"Lifelines are tracked on the union of each layer's {m} max-min landmarks "
                f"({len(lines.samples)} of {n} samples), with each layer's significance threshold as the "
                "persistence a loop needs there.")
    return lines.to_dict(), note


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


# -- symmetries --------------------------------------------------------------------------------------------------
def symmetry_stage(model: Any, X: Any, actions: Any, layers: Sequence[str], *, n_samples: int = 1000,
                   n_bootstrap: int = 100, n_inputs: int = 8, n_steps: int = 64, tol: float = 0.05,
                   batch_size: int = 256, seed: int = 0) -> tuple[dict[str, Any], list[Finding]]:
    """Invariance, equivariance and orbit topology of ``model`` under ``actions``, per layer, for the report.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray or tensor of shape (n_samples, ...)
        The model inputs the actions act on.
    actions : list of actions or names, dict, or comma-separated str
        As :func:`tda_nn.nn.symmetry_summary.parse_actions` reads them
        (``"rotate,translate,flip"``).
    layers : sequence of str
        The captured layers, in model order.
    n_samples, n_bootstrap, batch_size, seed
        As in :func:`tda_nn.invariance`.
    n_inputs, n_steps
        Orbits: inputs followed, points per orbit (:func:`tda_nn.orbit_topology`).
    tol : float, default=0.05
        An error whose interval lies below ``tol`` counts as invariance (equivariance).

    Returns
    -------
    payload : dict
        ``SymmetrySummary.as_dict()`` (``invariance``, ``equivariance``, ``orbits`` by
        action name, ``tol``, and the summary's own sentences under ``findings``).
    findings : list of Finding
        :func:`symmetry_findings` of the same numbers.
    """
    from .nn.symmetry_summary import symmetry_summary

    summary = symmetry_summary(model, X, actions, layers=list(layers), n_samples=n_samples,
                               n_bootstrap=n_bootstrap, orbits=True, n_inputs=n_inputs, n_steps=n_steps, tol=tol,
                               batch_size=batch_size, seed=seed)
    payload = summary.as_dict()
    return payload, symmetry_findings(payload)


# -- regions -----------------------------------------------------------------------------------------------------
_GRID_METHOD = "grid (a lower bound: regions thinner than the grid spacing are missed)"


def regions_payload(model: Any, X: np.ndarray, y: np.ndarray | None, seed: int, resolution: int, *,
                    max_regions: int = 20_000) -> dict[str, Any]:
    """Activation regions on the plane through three samples: exact where the model allows it, and a grid view.

    The whole window is counted with ``method='auto'`` of :func:`tda_nn.regions_on_plane`:
    the exact polygons when the model is made of affine layers and piecewise-linear
    activations and the window's estimated count is within ``max_regions`` (the polygons
    are kept for the figure); otherwise a ``resolution`` grid, whose counts are lower
    bounds. Without polygons the figure is the grid's labels, zoomed on one sample while
    most grid points are distinct patterns. ``methods`` names the method of every number.

    Returns
    -------
    dict
        ``method`` ('exact' or 'grid': how the whole window was counted), ``lower_bound``,
        ``full_window_regions`` and ``full_window_counts_by_layer`` (that count, by
        depth), ``polygons`` (vertex lists, exact only) with ``tol``; the grid view:
        ``labels``, ``predicted``, ``extent``, ``n_regions``, ``counts_by_layer``,
        ``resolution``, ``zoom``; ``anchors``, ``anchor_indices``, ``points`` and
        ``point_labels`` (up to 300 projected samples), ``data_patterns`` (distinct
        patterns on the samples), ``methods`` (key -> method) and ``method_note`` (why
        the exact method was not used, or None).
    """
    from .nn.regions import region_counts, regions_on_plane

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(X), 3, replace=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = regions_on_plane(model, points=X[idx], resolution=resolution, method="auto", max_regions=max_regions)
    why = next((str(w.message) for w in caught if "exact method does not apply" in str(w.message)), None)
    for w in caught:  # pass on every other warning
        if "exact method does not apply" not in str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    exact = first if getattr(first, "method", "grid") == "exact" else None
    plane = first if exact is None else regions_on_plane(model, points=X[idx], resolution=resolution, method="grid")
    full = plane
    zoom = 1.0
    # without polygons, a wide network cuts the window into more regions than the grid
    # resolves; zoom in on the first sample until most regions span several grid points
    while exact is None and plane.n_regions > 0.1 * resolution**2 and zoom < 1e4:
        zoom *= 10.0
        s0, s1, t0, t1 = full.extent
        a = full.anchors[0] if full.anchors is not None else np.zeros(2)
        hw, hh = (s1 - s0) / (2 * zoom), (t1 - t0) / (2 * zoom)
        plane = regions_on_plane(model, full.origin.reshape(full.input_shape), full.u.reshape(full.input_shape),
                                 full.v.reshape(full.input_shape), extent=(a[0] - hw, a[0] + hw, a[1] - hh, a[1] + hh),
                                 resolution=resolution, method="grid")
    whole = full if exact is None else exact
    counts = region_counts(model, X, plane=None)
    show = rng.choice(len(X), min(len(X), 300), replace=False)
    method = "exact" if exact is not None else "grid"
    out = {
        "method": method, "lower_bound": exact is None, "method_note": why,
        "labels": plane.labels.tolist(), "predicted": plane.predicted.tolist(),
        "extent": [float(e) for e in plane.extent], "n_regions": int(plane.n_regions),
        "counts_by_layer": {name: int(c) for name, c in zip(plane.layers, plane.counts)},
        "anchors": None if full.anchors is None else np.asarray(full.anchors).tolist(),
        "anchor_indices": idx.tolist(),
        "points": _project(plane, X[show]).tolist(),
        "point_labels": None if y is None else np.asarray(y)[show].tolist(),
        "data_patterns": {k: float(v) for k, v in counts.items()},
        "resolution": int(resolution), "zoom": zoom,
        "full_window_regions": int(whole.n_regions),
        "full_window_counts_by_layer": {name: int(c) for name, c in zip(whole.layers, whole.counts)},
        "methods": {"n_regions": _GRID_METHOD, "counts_by_layer": _GRID_METHOD,
                    "full_window_regions": _GRID_METHOD if exact is None else "exact",
                    "full_window_counts_by_layer": _GRID_METHOD if exact is None else "exact",
                    "data_patterns": "distinct activation patterns of the samples (exact)"},
    }
    if exact is not None:
        out["polygons"] = [np.round(p.vertices, 6).tolist() for p in exact.polygons]
        out["tol"] = float(exact.tol)
    return out


def _project(plane: Any, X: np.ndarray) -> np.ndarray:
    """Plane coordinates ``(s, t)`` of the orthogonal projections of ``X`` onto ``origin + s u + t v``."""
    if hasattr(plane, "project"):
        return np.asarray(plane.project(X))
    F = np.asarray(X, dtype=np.float64).reshape(len(X), -1) - plane.origin
    B = np.stack([plane.u, plane.v], axis=1)
    return np.linalg.lstsq(B, F.T, rcond=None)[0].T
