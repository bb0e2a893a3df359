"""What a report's numbers say, as sentences: typed :class:`Finding` objects made by fixed rules.

Every finding is generated from numbers already in the report (the per-layer
table, the layer x layer matrices, the probe scores, the region counts) by a rule
named in ``Finding.rule``; the sentence quotes the numbers it rests on, so a
finding cannot say more than they do. :func:`tda_nn.analyze` calls
:func:`report_findings`; the generators are public for reports built by hand.

Table columns read here (all lengths in units of the layer's median pairwise
distance, see :mod:`tda_nn.diagnostics.layers`): ``n_significant_H{k}``,
``threshold_H{k}``, ``longest_H{k}`` (the longest finite bar), ``landmark_bound``
(twice the landmarks' covering radius; 0 without landmarks) and ``n_points``.

This module is numpy-only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "Finding",
    "depth_findings",
    "probe_findings",
    "region_findings",
    "report_findings",
    "significance_findings",
    "similarity_findings",
]

_DIM_NAMES = {0: "components", 1: "loops", 2: "voids"}


@dataclass(frozen=True)
class Finding:
    """One sentence a report's numbers support, with the number, its uncertainty and the rule.

    Attributes
    ----------
    text : str
        The sentence, quoting the numbers it rests on.
    layer : str or None
        The layer it is about (``None``: several layers or the whole network).
    quantity : str
        The table column, matrix or score it reads (``'n_significant_H1'``, ``'linear CKA'``, ...).
    value : float or None
        The number the sentence states first.
    uncertainty : float or None
        What ``value`` must be compared with or may be off by: the significance
        threshold for counts, the landmark bound for swamped dimensions, a binomial
        standard error for probe accuracies; ``None`` when there is none.
    rule : str
        The name of the rule that made it (``'significant_bars'``, ``'landmark_swamps'``, ...).
    """

    text: str
    layer: str | None
    quantity: str
    value: float | None
    uncertainty: float | None
    rule: str

    def __repr__(self) -> str:
        where = f"{self.layer}: " if self.layer else ""
        short = self.text if len(self.text) <= 90 else self.text[:89] + "…"
        return f"Finding[{self.rule}]({where}{short!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN and inf values become ``None``); inverse of :meth:`from_dict`."""
        out = asdict(self)
        for key in ("value", "uncertainty"):
            v = out[key]
            out[key] = None if v is None or not math.isfinite(float(v)) else float(v)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild from :meth:`to_dict`; a missing key raises ``ValueError`` naming it."""
        if not isinstance(data, Mapping):
            raise TypeError(f"a finding must be a dict made by Finding.to_dict(), got {type(data).__name__}.")
        missing = [k for k in ("text", "layer", "quantity", "value", "uncertainty", "rule") if k not in data]
        if missing:
            raise ValueError(f"a finding dict lacks {missing}; it must come from Finding.to_dict().")

        def num(v: Any) -> float | None:
            return None if v is None else float(v)

        return cls(text=str(data["text"]), layer=None if data["layer"] is None else str(data["layer"]),
                   quantity=str(data["quantity"]), value=num(data["value"]), uncertainty=num(data["uncertainty"]),
                   rule=str(data["rule"]))


# -- helpers ---------------------------------------------------------------------------
def _g(v: float) -> str:
    return f"{v:.3g}"


def _dims(table: Mapping[str, Mapping[str, Any]]) -> list[int]:
    found = {int(c[len("n_significant_H"):]) for row in table.values() for c in row if c.startswith("n_significant_H")}
    return sorted(found)


def _bar_word(k: int, n: int) -> str:
    name = _DIM_NAMES.get(k, f"H{k} features")
    return name[:-1] if n == 1 and name.endswith("s") else name


def _swamped(row: Mapping[str, Any], k: int) -> bool:
    """Every finite bar of dimension ``k`` lies within twice the landmark bound (so none can count)."""
    bound = float(row.get("landmark_bound", 0.0) or 0.0)
    longest = float(row.get(f"longest_H{k}", 0.0) or 0.0)
    return bound > 0 and 2.0 * bound >= longest and int(row.get(f"n_significant_H{k}", 0)) == 0


# -- the rules -------------------------------------------------------------------------
def significance_findings(
    table: Mapping[str, Mapping[str, Any]],
    lifetimes: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    *,
    alpha: float = 0.05,
) -> list[Finding]:
    """Significant features per layer, and the dimensions the landmark approximation swamps.

    Rules:

    * ``significant_bars`` -- a layer with significant bars of dimension ``k >= 1``:
      their count, their lifetimes (from ``lifetimes``, longest first) and the
      threshold they exceed. One finding lists the layers with none.
    * ``clusters`` -- a layer with more than one significant component (H0).
    * ``landmark_swamps`` -- a layer and dimension ``k >= 1`` whose every finite bar
      is at most twice the landmark bound ``2r``: the count 0 says nothing; the
      finding names the bound and what to change.

    Parameters
    ----------
    table : dict of layer -> dict of column -> number
        Needs ``n_significant_H{k}``, ``threshold_H{k}``, ``longest_H{k}``; reads
        ``landmark_bound``, ``n_points`` when present.
    lifetimes : dict of layer -> dict of int -> sequence of float, optional
        The significant finite lifetimes per dimension, in median-distance units.
    alpha : float, default=0.05
        The level the thresholds were drawn at (quoted in the text).

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    dims = _dims(table)
    for k in (d for d in dims if d >= 1):
        quiet, swamped = [], []  # type: list[str], list[str]
        for layer, row in table.items():
            n = int(row.get(f"n_significant_H{k}", 0))
            thr = float(row.get(f"threshold_H{k}", float("nan")))
            if _swamped(row, k):
                swamped.append(layer)
            elif n > 0:
                life = sorted((float(v) for v in (lifetimes or {}).get(layer, {}).get(k, ())), reverse=True)
                shown = ", ".join(_g(v) for v in life[:5]) + (", ..." if len(life) > 5 else "")
                what = f" with lifetimes {shown}" if life else ""
                out.append(Finding(
                    text=(f"{layer}: {n} significant {_bar_word(k, n)} (H{k}){what} (x median distance), above "
                          f"the threshold {_g(thr)} at alpha = {alpha:g}."),
                    layer=layer, quantity=f"n_significant_H{k}", value=float(n), uncertainty=thr,
                    rule="significant_bars"))
            else:
                quiet.append(layer)
        if swamped:
            out.append(_swamp_finding(table, swamped, k))
        if quiet:
            out.append(Finding(
                text=(f"No significant H{k} bar in {_list(quiet)}: every {_DIM_NAMES.get(k, f'H{k}')[:-1]} there is "
                      f"shorter than the layer's threshold (alpha = {alpha:g})."),
                layer=quiet[0] if len(quiet) == 1 else None, quantity=f"n_significant_H{k}", value=0.0,
                uncertainty=None, rule="significant_bars"))
    if 0 in dims:
        for layer, row in table.items():
            n = int(row.get("n_significant_H0", 0))
            if n > 1:
                thr = float(row.get("threshold_H0", float("nan")))
                out.append(Finding(
                    text=(f"{layer}: {n} significant components (H0): the points form {n} groups separated by gaps "
                          f"longer than the threshold {_g(thr)} (x median distance)."),
                    layer=layer, quantity="n_significant_H0", value=float(n), uncertainty=thr, rule="clusters"))
    return out


def _swamp_finding(table: Mapping[str, Mapping[str, Any]], layers: list[str], k: int) -> Finding:
    """Rule ``landmark_swamps``: the layers whose every H``k`` bar lies within twice the landmark bound."""
    bounds = [float(table[lay]["landmark_bound"]) for lay in layers]
    longest = [float(table[lay].get(f"longest_H{k}", 0.0)) for lay in layers]
    each = "; ".join(f"{lay}: 2r = {_g(b)}, longest bar {_g(m)}" for lay, b, m in zip(layers, bounds, longest))
    pts = max(int(table[lay].get("n_points", 0)) for lay in layers)
    name = _DIM_NAMES.get(k, f"H{k} features")
    where = f"{layers[0]}" if len(layers) == 1 else f"{len(layers)} layers"
    return Finding(
        text=(f"The landmark approximation swamps H{k} in {where}: the landmark bound 2r exceeds every H{k} bar "
              f"({each}; x median distance), and a bar must exceed 2 x 2r to count, so the count 0 says nothing "
              f"about {name} there. Use more landmarks (max_points above {pts}), fewer samples (max_samples), "
              "or a filtration threshold on the full cloud."),
        layer=layers[0] if len(layers) == 1 else None, quantity=f"longest_H{k}", value=max(longest),
        uncertainty=min(bounds), rule="landmark_swamps")


def depth_findings(table: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """Where topology is simplified across depth, and where it is not (Naitzat, Zhitnikov, Lim 2020).

    Rule ``simplification``, per dimension ``k >= 1``, on the significant counts of
    the layers in table order (layers whose dimension the landmark bound swamps are
    left out and named): the count falls from the first to the last layer without
    rising (simplified), rises somewhere (one finding per rise), or stays the same.

    Parameters
    ----------
    table : dict of layer -> dict of column -> number
        In model order.

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    for k in (d for d in _dims(table) if d >= 1):
        layers = [lay for lay, row in table.items() if not _swamped(row, k)]
        left_out = [lay for lay in table if lay not in layers]
        note = f" ({_list(left_out)} left out: the landmark bound swamps H{k} there)" if left_out else ""
        if len(layers) < 2:
            if len(table) >= 2:
                out.append(Finding(
                    text=(f"Whether H{k} is simplified across depth cannot be read: the landmark bound swamps it in "
                          f"{_list(left_out)}."),
                    layer=None, quantity=f"n_significant_H{k}", value=None, uncertainty=None, rule="simplification"))
            continue
        counts = [int(table[lay][f"n_significant_H{k}"]) for lay in layers]
        rises = [(layers[i], layers[i + 1], counts[i], counts[i + 1]) for i in range(len(counts) - 1)
                 if counts[i + 1] > counts[i]]
        seq = ", ".join(f"{lay} {c}" for lay, c in zip(layers, counts))
        if rises:
            for a, b, ca, cb in rises:
                out.append(Finding(
                    text=(f"Not simplified between {a} and {b}: significant beta_{k} rises from {ca} to {cb} "
                          f"(sequence: {seq}){note}."),
                    layer=b, quantity=f"n_significant_H{k}", value=float(cb - ca), uncertainty=None,
                    rule="simplification"))
        elif counts[-1] < counts[0]:
            out.append(Finding(
                text=(f"Topology is simplified across depth: significant beta_{k} falls from {counts[0]} ({layers[0]}) "
                      f"to {counts[-1]} ({layers[-1]}) and never rises (sequence: {seq}){note}, as Naitzat et al. "
                      "(2020) found for well-trained classifiers."),
                layer=None, quantity=f"n_significant_H{k}", value=float(counts[-1] - counts[0]), uncertainty=None,
                rule="simplification"))
        else:
            out.append(Finding(
                text=f"Significant beta_{k} is {counts[0]} at every layer ({seq}){note}: no change across depth.",
                layer=None, quantity=f"n_significant_H{k}", value=0.0, uncertainty=None, rule="simplification"))
    return out


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _ranks(v: np.ndarray) -> np.ndarray:
    """Average ranks (ties share), 0-based."""
    order = np.argsort(v, kind="stable")
    r = np.empty(len(v))
    r[order] = np.arange(len(v), dtype=float)
    for u in np.unique(v):
        tie = v == u
        r[tie] = r[tie].mean()
    return r


def similarity_findings(matrices: Mapping[str, tuple[Sequence[str], Any]], *,
                        reference: str = "linear CKA") -> list[Finding]:
    """Which layers are alike by which measure, and where the measures disagree.

    Matrices whose name contains ``'CKA'`` are similarities (larger: more alike);
    the others distances. Rules:

    * ``most_alike`` -- per measure, the most alike pair of distinct layers.
    * ``measures_agree`` / ``measures_disagree`` -- per measure against
      ``reference``, the Spearman correlation of the pairs' alikeness (over all pairs
      of layers, at least 3); below 0.5 they disagree, and the finding names the pair
      ranked most differently.

    Parameters
    ----------
    matrices : dict of name -> (labels, ndarray of shape (n, n))
    reference : str, default='linear CKA'

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    alike: dict[str, np.ndarray] = {}
    labels_of: dict[str, list[str]] = {}
    for name, (labels, m) in matrices.items():
        m = np.asarray(m, dtype=np.float64)
        labels = [str(x) for x in labels]
        if m.ndim != 2 or m.shape[0] < 2 or m.shape != (len(labels), len(labels)):
            continue
        pairs = _pairs(len(labels))
        vals = np.array([m[i, j] for i, j in pairs])
        if not np.all(np.isfinite(vals)):
            continue
        sim = "CKA" in name
        score = vals if sim else -vals  # larger: more alike
        alike[name], labels_of[name] = score, labels
        best = int(np.argmax(score))
        i, j = pairs[best]
        word = "highest" if sim else "smallest"
        out.append(Finding(
            text=f"By {name}, the most alike layers are {labels[i]} and {labels[j]} ({word} value {_g(vals[best])}).",
            layer=None, quantity=name, value=float(vals[best]), uncertainty=None, rule="most_alike"))
    if reference in alike and len(alike[reference]) >= 3:
        ref = alike[reference]
        labels = labels_of[reference]
        pairs = _pairs(len(labels))
        for name, score in alike.items():
            if name == reference or len(score) != len(ref) or labels_of[name] != labels:
                continue
            ra, rb = _ranks(ref), _ranks(score)
            if np.ptp(ra) == 0 or np.ptp(rb) == 0:
                continue
            rho = float(np.corrcoef(ra, rb)[0, 1])
            if rho >= 0.5:
                out.append(Finding(
                    text=(f"{name} and {reference} agree on which layers are alike (Spearman {_g(rho)} over "
                          f"{len(score)} pairs)."),
                    layer=None, quantity=name, value=rho, uncertainty=None, rule="measures_agree"))
            else:
                worst = int(np.argmax(np.abs(ra - rb)))
                i, j = pairs[worst]
                n = len(score)
                out.append(Finding(
                    text=(f"{name} and {reference} disagree on which layers are alike (Spearman {_g(rho)} over {n} "
                          f"pairs): {labels[i]} and {labels[j]} rank {n - int(ra[worst])} of {n} by {reference} "
                          f"and {n - int(rb[worst])} of {n} by {name} (1: most alike)."),
                    layer=None, quantity=name, value=rho, uncertainty=None, rule="measures_disagree"))
    return out


def probe_findings(probes: Mapping[str, Any] | None, *, n_samples: int | None = None) -> list[Finding]:
    """What the topological probe shows against the linear probe and the shuffled-label control.

    Rules (accuracies are cross-validated; the uncertainty is the binomial
    standard error ``sqrt(p (1 - p) / n)`` when ``n_samples`` is known):

    * ``probe_vs_shuffled`` -- per layer, the topological probe above the shuffled
      control by more than two standard errors (the topology carries the label), or not.
    * ``probe_vs_linear`` -- the layers where the topological probe is below the
      linear probe on pooled activations, and those where it is above.

    Parameters
    ----------
    probes : dict or None
        ``ProbeScores.to_dict()``: ``layers``, ``topological``, ``linear``, ``shuffled``, ``chance``.
    n_samples : int, optional

    Returns
    -------
    list of Finding
    """
    if not probes:
        return []
    out: list[Finding] = []
    layers = [str(x) for x in probes["layers"]]
    topo, lin, shuf = (np.asarray(probes[k], dtype=float) for k in ("topological", "linear", "shuffled"))
    chance = float(probes.get("chance", float("nan")))

    def se(p: float) -> float | None:
        return None if not n_samples else math.sqrt(max(p * (1 - p), 1e-12) / n_samples)

    for i, layer in enumerate(layers):
        s = se(float(topo[i]))
        margin = 2 * s if s is not None else 0.05
        gap = float(topo[i] - shuf[i])
        if gap > margin:
            text = (f"{layer}: the topological probe reads the label ({_g(topo[i])} against {_g(shuf[i])} with "
                    f"shuffled labels; chance {_g(chance)}).")
        else:
            text = (f"{layer}: the topological probe does no better than its shuffled-label control "
                    f"({_g(topo[i])} against {_g(shuf[i])}): the topology of this layer's samples does not carry the label.")
        out.append(Finding(text=text, layer=layer, quantity="probe topological - shuffled", value=gap, uncertainty=s,
                           rule="probe_vs_shuffled"))
    below = [lay for i, lay in enumerate(layers) if topo[i] < lin[i]]
    above = [lay for i, lay in enumerate(layers) if topo[i] > lin[i]]
    if below:
        every = "every layer" if len(below) == len(layers) else _list(below)
        worst = max(range(len(layers)), key=lambda i: lin[i] - topo[i])
        out.append(Finding(
            text=(f"The topological probe scores below the linear probe on pooled activations at {every} (largest "
                  f"gap at {layers[worst]}: {_g(topo[worst])} against {_g(lin[worst])}): there the label is read "
                  "more easily from the mean activation than from the shape of the sample's cloud."),
            layer=layers[worst] if len(below) == 1 else None, quantity="probe topological - linear",
            value=float(topo[worst] - lin[worst]), uncertainty=se(float(topo[worst])), rule="probe_vs_linear"))
    if above:
        best = max(range(len(layers)), key=lambda i: topo[i] - lin[i])
        out.append(Finding(
            text=(f"The topological probe scores above the linear probe at {_list(above)} (largest gap at "
                  f"{layers[best]}: {_g(topo[best])} against {_g(lin[best])})."),
            layer=layers[best] if len(above) == 1 else None, quantity="probe topological - linear",
            value=float(topo[best] - lin[best]), uncertainty=se(float(topo[best])), rule="probe_vs_linear"))
    return out


def region_findings(regions: Mapping[str, Any] | None, *, n_samples: int | None = None) -> list[Finding]:
    """What the activation-region counts mean.

    Rule ``region_saturation``: a layer whose number of distinct activation patterns
    on the samples equals the number of samples has every sample in its own linear
    region; that count is then a lower bound set by the sample size and cannot
    compare layers or networks (the counts on the plane can). Rule
    ``region_sharing``: layers where samples share regions, with the number of regions.

    Parameters
    ----------
    regions : dict or None
        The report's ``regions`` (``data_patterns``: ``'patterns/<layer>' -> count``).
    n_samples : int, optional
        Samples behind the counts (default: the largest count).

    Returns
    -------
    list of Finding
    """
    if not regions:
        return []
    counts = {k.split("/", 1)[1]: float(v) for k, v in (regions.get("data_patterns") or {}).items()
              if k.startswith("patterns/")}
    if not counts:
        return []
    n = int(n_samples) if n_samples else int(max(counts.values()))
    out: list[Finding] = []
    full = [lay for lay, c in counts.items() if int(c) >= n]
    shared = [lay for lay, c in counts.items() if int(c) < n]
    plane = regions.get("full_window_counts_by_layer") or regions.get("counts_by_layer") or {}
    if full:
        shown = ", ".join(f"{lay} {plane[lay]}" for lay in full if lay in plane)
        on_plane = (f" The counts on the plane through three samples are not bounded by the sample size: {shown}."
                    if shown else "")
        out.append(Finding(
            text=(f"Saturated: at {_list(full)} every one of the {n} samples lies in its own linear region, so the count "
                  f"on the samples is the sample size, not a measure of the network.{on_plane}"),
            layer=full[0] if len(full) == 1 else None, quantity="patterns on the samples", value=float(n),
            uncertainty=None, rule="region_saturation"))
    for lay in shared:
        c = int(counts[lay])
        out.append(Finding(
            text=f"{lay}: the {n} samples fall into {c} linear regions (on average {n / max(c, 1):.3g} samples a region).",
            layer=lay, quantity="patterns on the samples", value=float(c), uncertainty=None, rule="region_sharing"))
    return out


def report_findings(
    table: Mapping[str, Mapping[str, Any]],
    *,
    matrices: Mapping[str, tuple[Sequence[str], Any]] | None = None,
    lifetimes: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    probes: Mapping[str, Any] | None = None,
    regions: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    n_samples: int | None = None,
) -> list[Finding]:
    """All the findings of a report, in reading order: significance, depth, similarity, probes, regions.

    Returns
    -------
    list of Finding
        Significance findings first; then the others; swamped dimensions are
        among the first so that no count is read without them.
    """
    sig = significance_findings(table, lifetimes, alpha=alpha) if _dims(table) else []
    sig.sort(key=lambda f: f.rule != "landmark_swamps")
    return [
        *sig,
        *(depth_findings(table) if _dims(table) else []),
        *similarity_findings(matrices or {}),
        *probe_findings(probes, n_samples=n_samples),
        *region_findings(regions, n_samples=n_samples),
    ]


def _list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
