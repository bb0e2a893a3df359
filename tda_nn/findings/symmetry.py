"""Rules on per-layer invariance, equivariance and orbit counts under group actions on the inputs.

Room: results floor (``findings``). Imports numpy and its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._finding import Finding, check_payload

__all__ = ["symmetry_findings", "upper_end"]


def upper_end(prof: Mapping[str, Any]) -> np.ndarray:
    err = np.asarray(prof["error"], dtype=float)
    iv = np.asarray(prof["interval"], dtype=float).reshape(-1, 2)[:, 1]
    return np.where(np.isfinite(iv), iv, err)


def symmetry_findings(payload: Mapping[str, Any] | Any) -> list[Finding]:
    """Sentences from per-layer invariance and equivariance errors and orbit counts, one rule each.

    A layer counts as invariant (equivariant) to an action when the upper end of the
    error's interval (the error itself without one) is below ``tol``; invariance
    *emerges* at the first layer whose upper end is below 0.5 (the rules of
    :meth:`tda_nn.SymmetrySummary.findings`). Every sentence quotes the numbers it
    rests on: ``value`` is the error it names and ``uncertainty`` that error's upper
    interval end.

    Rules: ``invariance`` (the output is invariant, or where invariance emerges and
    from which layer it is complete, or that no layer is), ``equivariance`` (layers
    equivariant but not invariant), ``orbits`` (kept, shrunk, collapsed and torn orbits at
    the input and the output).

    Parameters
    ----------
    payload : SymmetryResult or dict
        A report's ``symmetry`` (:class:`~tda_nn.results.SymmetryResult`), or
        ``SymmetrySummary.as_dict()``.

    Returns
    -------
    list of Finding
    """
    if hasattr(payload, "to_dict"):
        payload = payload.to_dict()
    check_payload(payload, ("invariance",), "SymmetrySummary.as_dict()")
    tol = float(payload.get("tol", 0.05))
    out: list[Finding] = []
    for name, inv in (payload.get("invariance") or {}).items():
        layers = [str(x) for x in inv["layers"]]
        err = np.asarray(inv["error"], dtype=float)
        up = upper_end(inv)
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
            e_up = upper_end(eq)
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
                shrunk = (f"{st.count('shrunk')} shrunk (loop kept below {orb.get('shrink_factor', 0.5):g} of its "
                          "relative input size), " if "shrunk" in st else "")
                parts.append(f"{lay}: {st.count('kept')} kept, {shrunk}{st.count('collapsed')} collapsed, "
                             f"{st.count('torn')} torn")
            n_in = len(next(iter(status.values()), []))
            frac = float((orb.get("fractions") or {}).get(olayers[-1], {}).get("collapsed", float("nan")))
            out.append(Finding(f"Orbits of {n_in} inputs under {name}: "
                               f"{'; '.join(parts)}.", None, f"orbits collapsed: {name}", frac, None, "orbits"))
    return out
