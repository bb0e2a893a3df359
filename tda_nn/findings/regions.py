"""Rules on activation-region counts: saturated counts on the samples, and shared regions.

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..results import RegionsResult, patterns_by_layer
from ._finding import Finding, listed

__all__ = ["region_findings"]


def _counts(regions: Any) -> tuple[dict[str, float], dict[str, int]]:
    """(patterns on the samples by layer, counts on the plane by layer) of a typed or a plain regions result."""
    if isinstance(regions, RegionsResult):
        plane = regions.full_window_counts_by_layer or regions.counts_by_layer or {}
        return {str(k): float(v) for k, v in regions.patterns_by_layer.items()}, dict(plane)
    counts = {k: float(v) for k, v in patterns_by_layer(regions.get("data_patterns") or {}).items()}
    return counts, dict(regions.get("full_window_counts_by_layer") or regions.get("counts_by_layer") or {})


def region_findings(regions: Mapping[str, Any] | Any | None, *, n_samples: int | None = None) -> list[Finding]:
    """What the activation-region counts mean.

    Rule ``region_saturation``: a layer whose number of distinct activation patterns
    on the samples equals the number of samples has every sample in its own linear
    region; that count is then a lower bound set by the sample size and cannot
    compare layers or networks (the counts on the plane can). Rule
    ``region_sharing``: layers where samples share regions, with the number of regions.

    Parameters
    ----------
    regions : RegionsResult, its ``to_dict()``, or None
        Patterns on the samples by layer, and the counts on the plane.
    n_samples : int, optional
        Samples behind the counts. Without it neither rule can say how a count
        compares with the sample size: each layer gets its count alone (rule
        ``region_sharing``), and no layer is called saturated.

    Returns
    -------
    list of Finding
    """
    if not regions:
        return []
    counts, plane = _counts(regions)
    if not counts:
        return []
    out: list[Finding] = []
    if not n_samples:  # the largest count is not the sample size: no saturation or sharing can be told
        for lay, c in counts.items():
            out.append(Finding(
                text=(f"{lay}: the samples fall into {int(c)} linear regions (the number of samples is not given, so "
                      "whether that is one region per sample cannot be told)."),
                layer=lay, quantity="patterns on the samples", value=float(c), uncertainty=None,
                rule="region_sharing"))
        return out
    n = int(n_samples)
    full = [lay for lay, c in counts.items() if int(c) >= n]
    shared = [lay for lay, c in counts.items() if int(c) < n]
    if full:
        shown = ", ".join(f"{lay} {plane[lay]}" for lay in full if lay in plane)
        on_plane = (f" The counts on the plane through three samples are not bounded by the sample size: {shown}."
                    if shown else "")
        out.append(Finding(
            text=(f"Saturated: at {listed(full)} every one of the {n} samples lies in its own linear region, so the "
                  f"count on the samples is the sample size, not a measure of the network.{on_plane}"),
            layer=full[0] if len(full) == 1 else None, quantity="patterns on the samples", value=float(n),
            uncertainty=None, rule="region_saturation"))
    for lay in shared:
        c = int(counts[lay])
        out.append(Finding(
            text=(f"{lay}: the {n} samples fall into {c} linear regions (on average {n / max(c, 1):.3g} samples a "
                  "region)."),
            layer=lay, quantity="patterns on the samples", value=float(c), uncertainty=None, rule="region_sharing"))
    return out
