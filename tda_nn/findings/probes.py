"""Rules on probe scores: does the topological probe beat its shuffled-label control, and the linear probe?

Room: results floor (``findings``). Imports numpy and its siblings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._finding import Finding, g3, listed

__all__ = ["probe_findings"]


def probe_findings(probes: Mapping[str, Any] | Any | None, *, n_samples: int | None = None) -> list[Finding]:
    """What the topological probe shows against the linear probe and the shuffled-label control.

    Rules (accuracies are cross-validated; the uncertainty is the binomial
    standard error ``sqrt(p (1 - p) / n)`` when ``n_samples`` is known):

    * ``probe_vs_shuffled`` -- per layer, the topological probe above the shuffled
      control by more than two standard errors of the difference
      (``sqrt((p (1 - p) + s (1 - s)) / n)``; 0.05 without ``n_samples``): the
      topology carries the label; otherwise that is not shown (which is not a
      showing that it does not).
    * ``probe_vs_linear`` -- the layers where the topological probe is below the
      linear probe on pooled activations by more than two standard errors of the
      difference (``sqrt((p (1 - p) + q (1 - q)) / n)``, the two probes taken as
      independent; 0.05 without ``n_samples``), those where it is above, and those
      where neither is shown.

    Parameters
    ----------
    probes : ProbeScores, its ``to_dict()``, or None
        ``layers``, ``topological``, ``linear``, ``shuffled``, ``chance``.
    n_samples : int, optional

    Returns
    -------
    list of Finding
    """
    if not probes:
        return []
    get = probes.__getitem__ if isinstance(probes, Mapping) else lambda k: getattr(probes, k)
    out: list[Finding] = []
    layers = [str(x) for x in get("layers")]
    topo, lin, shuf = (np.asarray(get(k), dtype=float) for k in ("topological", "linear", "shuffled"))
    chance = float(get("chance"))

    def se_diff(p: float, q: float) -> float | None:  # two accuracies on the same n samples, taken as independent
        return None if not n_samples else math.sqrt(max(p * (1 - p) + q * (1 - q), 1e-12) / n_samples)

    how = "two standard errors" if n_samples else "0.05"
    for i, layer in enumerate(layers):
        s = se_diff(float(topo[i]), float(shuf[i]))
        margin = 2 * s if s is not None else 0.05
        gap = float(topo[i] - shuf[i])
        if gap > margin:
            text = (f"{layer}: the topological probe reads the label ({g3(topo[i])} against {g3(shuf[i])} with "
                    f"shuffled labels, more than {how} apart; chance {g3(chance)}).")
        else:
            text = (f"{layer}: the topological probe is not shown to beat its shuffled-label control "
                    f"({g3(topo[i])} against {g3(shuf[i])}, within {how}; chance {g3(chance)}): that the topology "
                    "of this layer's samples carries the label is not shown.")
        out.append(Finding(text=text, layer=layer, quantity="probe topological - shuffled", value=gap, uncertainty=s,
                           rule="probe_vs_shuffled"))
    def gap_se(i: int) -> float | None:
        if not n_samples:
            return None
        return math.sqrt(max(topo[i] * (1 - topo[i]) + lin[i] * (1 - lin[i]), 1e-12) / n_samples)

    def beyond(i: int) -> float:
        s = gap_se(i)
        return 2 * s if s is not None else 0.05

    below = [lay for i, lay in enumerate(layers) if lin[i] - topo[i] > beyond(i)]
    above = [lay for i, lay in enumerate(layers) if topo[i] - lin[i] > beyond(i)]
    level = [lay for lay in layers if lay not in below and lay not in above]
    if below:
        every = "every layer" if len(below) == len(layers) else listed(below)
        worst = max((layers.index(lay) for lay in below), key=lambda i: lin[i] - topo[i])
        out.append(Finding(
            text=(f"The topological probe scores below the linear probe on pooled activations at {every}, by more "
                  f"than {how} (largest gap at {layers[worst]}: {g3(topo[worst])} against {g3(lin[worst])}): "
                  "there the label is read more easily from the mean activation than from the shape of the "
                  "sample's cloud."),
            layer=layers[worst] if len(below) == 1 else None, quantity="probe topological - linear",
            value=float(topo[worst] - lin[worst]), uncertainty=gap_se(worst), rule="probe_vs_linear"))
    if above:
        best = max((layers.index(lay) for lay in above), key=lambda i: topo[i] - lin[i])
        out.append(Finding(
            text=(f"The topological probe scores above the linear probe at {listed(above)}, by more than {how} "
                  f"(largest gap at {layers[best]}: {g3(topo[best])} against {g3(lin[best])})."),
            layer=layers[best] if len(above) == 1 else None, quantity="probe topological - linear",
            value=float(topo[best] - lin[best]), uncertainty=gap_se(best), rule="probe_vs_linear"))
    if level:
        shown = ", ".join(f"{lay} {g3(topo[layers.index(lay)])} against {g3(lin[layers.index(lay)])}" for lay in level)
        k = layers.index(level[0])
        out.append(Finding(
            text=f"The topological and linear probes are within {how} of each other at {listed(level)} ({shown}).",
            layer=level[0] if len(level) == 1 else None, quantity="probe topological - linear",
            value=float(topo[k] - lin[k]), uncertainty=gap_se(k), rule="probe_vs_linear"))
    return out
