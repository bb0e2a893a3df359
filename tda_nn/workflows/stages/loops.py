"""The loops stage: the samples along every significant loop of every layer, in loop order, and their lifelines.

For every layer with significant H1 bars, :func:`tda_nn.representative_cycles` on the
same cloud (max-min landmarks under the settings' landmark policy, indices still into
the samples), the samples' labels and inputs; with two or more such layers, the
loops' lifelines across depth (:func:`tda_nn.track_features`). Optional: a failure is
a note.

Floor: application (the numeric core's cycles).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...results import LoopsResult
from ..runner import Context, Stage
from ..tables import plain as _plain

__all__ = ["STAGE", "loops_stage", "stored_input"]

_log = logging.getLogger("tda_nn")
_THUMB = 32  # largest side of an image stored for a loop panel (the HTML thumbnail's size)


def stored_input(x: Any) -> Any:
    """One sample's input as plain data for ``report.json``: text as is, images as small uint8 grids.

    :func:`tda_nn.results.restored_input` reads it back.
    """
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


def loops_stage(acts: Any, profile: Any, *, labels: Any = None, inputs: Any = None, n_landmarks: int | None = None,
                track: bool = True, seed: int = 0) -> dict[str, Any] | None:
    """The samples along every significant H1 loop of every layer, in loop order.

    A layer's significant loops are its H1 bars whose lifetime (over the layer's
    median pairwise distance) exceeds the profile's threshold; each gets its
    representative cycle on the same cloud (``n_landmarks`` max-min landmarks, as the
    settings' landmark policy gave the profile; indices still into the samples). With two or more
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
    n_landmarks : int or None, default=None
        Landmarks per layer (None: every sample), as :meth:`Settings.n_landmarks` says.
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
    from ...cycles import representative_cycles

    if profile.threshold is None or profile.n_significant is None or profile.maxdim < 1:
        return None
    n = acts.n_samples
    lab = None if labels is None else np.asarray(labels).reshape(-1)
    out: dict[str, Any] = {}
    used: set[int] = set()
    for i, layer in enumerate(profile.layers):
        k = int(profile.n_significant[i, 1])
        if k == 0:
            continue
        ref = float(profile.reference_scale[i])
        X = np.asarray(acts[layer], dtype=np.float64).reshape(n, -1)
        universal = profile.params.get("significance") == "universal"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*landmarks.*", category=UserWarning)
            if universal:  # the test's own significant bars (by death / birth, not always the longest)
                sig_kw = {"alpha": profile.params.get("alpha", 0.05),
                          "correction": profile.params.get("correction", "bonferroni")}
                cyc = representative_cycles(X, bars="significant", n_landmarks=n_landmarks, seed=seed,
                                            significance=sig_kw)
            else:
                cyc = representative_cycles(X, bars=k, n_landmarks=n_landmarks, seed=seed)
        if universal:  # as a lifetime: the shortest significant bar's
            thr = float(np.nextafter(min(c.persistence for c in cyc), 0.0)) if len(cyc) else float("inf")
        else:
            thr = float(profile.threshold[i, 1]) * ref
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
                stored[str(j)] = stored_input(inputs[j])
    lifelines, note = None, None
    if track and len(out) >= 2:
        lifelines, note = _lifelines(acts, profile, out, n_landmarks, seed)
    _log.info("loops: %s", ", ".join(f"{lay} {len(v['loops'])}" for lay, v in out.items()))
    return {"layers": out, "inputs": stored, "lifelines": lifelines, "lifelines_note": note}


def _lifetime_floor(profile: Any, i: int, body: Mapping[str, Any] | None) -> float:
    """The lifetime a loop must keep in layer ``i`` to persist there (the layer's own units).

    The band: its lifetime threshold. The universal test thresholds ``death / birth``:
    the lifetime a bar born at the layer's median H1 birth needs to pass it, lowered
    to the shortest significant bar's where the layer has loops (as
    :func:`tda_nn.track_features` does with ``bars='significant'``).
    """
    if profile.params.get("significance") != "universal":
        return float(profile.threshold[i, 1]) * float(profile.reference_scale[i])
    bars = np.asarray(profile.diagrams[i][1], dtype=float).reshape(-1, 2)
    births = bars[:, 0][(bars[:, 0] > 0) & np.isfinite(bars[:, 1])]
    floor = float(np.median(births) * (float(profile.threshold[i, 1]) - 1.0)) if len(births) else 0.0
    return min(floor, float(body["threshold"])) if body is not None else floor


def _lifelines(acts: Any, profile: Any, loops: Mapping[str, Any], n_landmarks: int | None,
               seed: int) -> tuple[dict[str, Any] | None, str | None]:
    """Lifelines of the loops across every profiled layer (each layer's significant loops start or confirm one)."""
    from ...cycles import track_features

    layers = list(profile.layers)
    n = acts.n_samples
    arrays = {layer: np.asarray(acts[layer], dtype=np.float64).reshape(n, -1) for layer in layers}
    bars = {layer: len(loops[layer]["loops"]) if layer in loops else 0 for layer in layers}
    min_pers = {layer: _lifetime_floor(profile, i, loops.get(layer)) for i, layer in enumerate(layers)}
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




def run(ctx: Context, s: Any) -> LoopsResult | None:
    cap = ctx["capture"]
    shown = s.inputs if s.inputs is not None else ctx.inputs()[0]
    payload = (loops_stage(cap.acts, ctx["persistence"].profile, labels=cap.labels, inputs=shown,
                                   n_landmarks=s.n_landmarks(cap.acts.n_samples), seed=s.seed))
    return None if payload is None else LoopsResult.from_dict(payload, "loops")


def _detail(r: LoopsResult | None) -> str:
    return "no significant loop" if r is None else f"{r.n_loops} loops"


STAGE = Stage("loops", lambda ctx, s: run(ctx, s), applies=lambda ctx, s: s.loops and s.maxdim >= 1, optional=True,
              detail=_detail)
