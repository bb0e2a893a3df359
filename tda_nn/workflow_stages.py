"""What the results floor reads of the pillar stages: the loops' stored inputs and the rules of loop and symmetry findings.

* :func:`stored_input` / :func:`restored_input` -- one sample's input as plain data for
  ``report.json`` (text as is, images as small uint8 thumbnails) and back, as
  :mod:`tda_nn.plotting.report_pillars` draws it.
* :func:`loop_findings` and :func:`symmetry_findings` -- sentences from the loops and
  symmetry sections of a report, by stated rules.

The stages that make these sections live in :mod:`tda_nn.workflows.stages` (``loops``,
``symmetry``). This module is what remains of ``workflow_stages`` after the house of
issue 23: its finding rules move to the findings room and its stored-input format to the
report (items 3 and 4, the results half of that issue).

Floor: results. numpy only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .findings import Finding

__all__ = ["loop_findings", "restored_input", "stored_input", "symmetry_findings"]

_THUMB = 32  # largest side of an image stored for a loop panel (the HTML thumbnail's size)


def stored_input(x: Any) -> Any:
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


def restored_input(v: Any) -> Any:
    """The inverse of the stored form, as :func:`tda_nn.plotting.loops_html.loops_html` reads it."""
    if isinstance(v, Mapping) and "image" in v:
        return np.asarray(v["image"], dtype=np.float64)
    if isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) for t in v):
        return (v[0], v[1])
    return v



_stored_input = stored_input  # the name before the house


def loop_findings(payload: Mapping[str, Any] | None) -> list[Finding]:
    """Sentences from the loops section: which samples each layer's loops run through, and their lifelines.

    Rules: ``loop_samples`` -- per layer with significant loops, how many samples
    each loop runs through and, with labels, how many classes they span;
    ``lifelines`` -- per lifeline, the layers it persists through and how it ends
    (died, merged, survives), read from :func:`tda_nn.track_features`'s table.

    Parameters
    ----------
    payload : dict or None
        ``report.loops`` (:func:`loops_stage`).

    Returns
    -------
    list of Finding
    """
    if not payload:
        return []
    _check_payload(payload, ("layers",), "loops_stage")
    out: list[Finding] = []
    for layer, body in payload["layers"].items():
        each = []
        for k, lp in enumerate(body["loops"]):
            classes = "" if lp.get("labels") is None else f", {len(set(map(str, lp['labels'])))} classes"
            each.append(f"loop {k}: {len(lp['indices'])} samples{classes}, lifetime "
                        f"{lp['bar_relative'][1] - lp['bar_relative'][0]:.3g}")
        n = len(body["loops"])
        out.append(Finding(f"{layer}: {n} significant loop{'s' if n != 1 else ''} ({'; '.join(each)}; x median "
                           "distance), its samples listed in loop order in the loops section.", layer,
                           "loop samples", float(len(body["loops"][0]["indices"])),
                           float(body["threshold"]) / float(body["reference_scale"]), "loop_samples"))
    lines = (payload.get("lifelines") or {}).get("lifelines") or []
    for f in lines:
        run = " -> ".join(f["layers"])
        if f["end"] == "survives":
            end = "and is still a loop at the last layer"
        elif f["end"] == "merged":
            end = f"and merges into lifeline {f['merged_into']} at {f['ended_at']}"
        else:
            end = f"and dies at {f['ended_at']} (its samples no longer make a significant loop there)"
        out.append(Finding(f"A loop born at {f['born']} persists through {run} {end}.", f["born"],
                           "lifeline layers", float(len(f["layers"])), None, "lifelines"))
    return out


def _check_payload(payload: Any, keys: tuple[str, ...], maker: str) -> None:
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be the dict made by {maker}, got {type(payload).__name__}.")
    missing = [k for k in keys if k not in payload]
    if missing:
        raise ValueError(f"payload lacks {missing}; pass the dict made by {maker}.")


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


# -- symmetries --------------------------------------------------------------------------------------------------
def _upper(prof: Mapping[str, Any]) -> np.ndarray:
    err = np.asarray(prof["error"], dtype=float)
    iv = np.asarray(prof["interval"], dtype=float).reshape(-1, 2)[:, 1]
    return np.where(np.isfinite(iv), iv, err)


def symmetry_findings(payload: Mapping[str, Any]) -> list[Finding]:
    """Sentences from per-layer invariance and equivariance errors and orbit counts, one rule each.

    A layer counts as invariant (equivariant) to an action when the upper end of the
    error's interval (the error itself without one) is below ``tol``; invariance
    *emerges* at the first layer whose upper end is below 0.5 (the rules of
    :meth:`tda_nn.SymmetrySummary.findings`). Every sentence quotes the numbers it
    rests on: ``value`` is the error it names and ``uncertainty`` that error's upper
    interval end.

    Rules: ``invariance`` (the output is invariant, or where invariance emerges and
    from which layer it is complete, or that no layer is), ``equivariance`` (layers
    equivariant but not invariant), ``orbits`` (kept, collapsed and torn orbits at
    the input and the output).

    Parameters
    ----------
    payload : dict
        ``SymmetrySummary.as_dict()``.

    Returns
    -------
    list of Finding
    """
    _check_payload(payload, ("invariance",), "SymmetrySummary.as_dict()")
    tol = float(payload.get("tol", 0.05))
    out: list[Finding] = []
    for name, inv in (payload.get("invariance") or {}).items():
        layers = [str(x) for x in inv["layers"]]
        err = np.asarray(inv["error"], dtype=float)
        up = _upper(inv)
        q = f"invariance error: {name}"
        done = next((i for i in range(len(up)) if (up[i:] < tol).all()), None)
        start = next((i for i in range(len(up)) if up[i] < 0.5), None)
        last = len(layers) - 1
        if done is not None:
            emerge = (f"; it emerges at {layers[start]} (error {err[start]:.2g}, interval up to {up[start]:.2g})"
                      if start is not None and start != done else "")
            text = (f"The output ({layers[last]}) is invariant to {name}: error {err[last]:.2g}, interval up to "
                    f"{up[last]:.2g}, below {tol:g}; invariance is complete from {layers[done]} on{emerge}.")
            out.append(Finding(text, layers[done], q, float(err[done]), float(up[done]), "invariance"))
        elif start is not None:
            k = int(np.argmin(err))
            text = (f"Invariance to {name} emerges at {layers[start]} (error {err[start]:.2g}, interval up to "
                    f"{up[start]:.2g}, below 0.5) but is never complete: the output ({layers[last]}) has error "
                    f"{err[last]:.2g} (interval up to {up[last]:.2g}, not below {tol:g}); smallest error "
                    f"{err[k]:.2g} at {layers[k]}.")
            out.append(Finding(text, layers[start], q, float(err[start]), float(up[start]), "invariance"))
        else:
            k = int(np.argmin(err))
            text = (f"No layer is invariant to {name}: every error's interval reaches 0.5 or more (smallest error "
                    f"{err[k]:.2g} at {layers[k]}; output {err[last]:.2g}).")
            out.append(Finding(text, None, q, float(err[k]), float(up[k]), "invariance"))
        eq = (payload.get("equivariance") or {}).get(name)
        if eq is not None:
            e_err = np.asarray(eq["error"], dtype=float)
            e_up = _upper(eq)
            kept = [i for i, lay in enumerate(eq["layers"])
                    if e_up[i] < tol and not up[i] < tol and str(lay) != "input"]
            if kept:
                shown = ", ".join(f"{layers[i]} (equivariance error {e_err[i]:.2g}, invariance error {err[i]:.2g})"
                                  for i in kept)
                out.append(Finding(f"Equivariant but not invariant to {name} at {shown}.",
                                   layers[kept[0]] if len(kept) == 1 else None, f"equivariance error: {name}",
                                   float(e_err[kept[0]]), float(e_up[kept[0]]), "equivariance"))
        orb = (payload.get("orbits") or {}).get(name)
        if orb is not None:
            status = orb.get("status") or {}
            olayers = [str(x) for x in orb["layers"]]
            ends = [olayers[0], olayers[-1]] if len(olayers) > 1 else olayers
            parts = []
            for lay in ends:
                st = list(status.get(lay, []))
                parts.append(f"{lay}: {st.count('kept')} kept, {st.count('collapsed')} collapsed, "
                             f"{st.count('torn')} torn")
            n_in = len(next(iter(status.values()), []))
            frac = float((orb.get("fractions") or {}).get(olayers[-1], {}).get("collapsed", float("nan")))
            out.append(Finding(f"Orbits of {n_in} inputs under {name}: "
                               f"{'; '.join(parts)}.", None, f"orbits collapsed: {name}", frac, None, "orbits"))
    return out
