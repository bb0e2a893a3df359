"""Rules on the loops section: which samples each layer's loops run through, and their lifelines across depth.

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._finding import Finding, check_payload

__all__ = ["loop_findings"]


def loop_findings(payload: Mapping[str, Any] | Any | None) -> list[Finding]:
    """Sentences from the loops section: which samples each layer's loops run through, and their lifelines.

    Rules: ``loop_samples`` -- per layer with significant loops, how many samples
    each loop runs through and, with labels, how many classes they span;
    ``lifelines`` -- per lifeline, the layers it persists through and how it ends
    (died, merged, survives), read from :func:`tda_nn.track_features`'s table.

    Parameters
    ----------
    payload : dict or None
        ``report.loops``: a :class:`~tda_nn.results.LoopsResult` or its ``to_dict()``
        (made by the loops stage of :func:`tda_nn.analyze`).

    Returns
    -------
    list of Finding
    """
    if not payload:
        return []
    if hasattr(payload, "to_dict"):
        payload = payload.to_dict()
    check_payload(payload, ("layers",), "loops_stage")
    out: list[Finding] = []
    for layer, body in payload["layers"].items():
        each = []
        for k, lp in enumerate(body["loops"]):
            classes = "" if lp.get("labels") is None else f", {len(set(map(str, lp['labels'])))} classes"
            each.append(f"loop {k}: {len(lp['indices'])} samples{classes}, lifetime "
                        f"{lp['bar_relative'][1] - lp['bar_relative'][0]:.3g}")
        n = len(body["loops"])
        out.append(Finding(f"{layer}: {n} significant loop{'s' if n != 1 else ''} ({'; '.join(each)}; x median "
                           f"distance), {'its' if n == 1 else 'their'} samples listed in loop order in the loops "
                           "section.", layer,
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
