"""The report as one self-contained HTML page: findings first, then tables, figures (base64 PNG) and provenance.

Every table heading and legend comes from the typed cells of the per-layer table
(:meth:`tda_nn.results.Table.cells`): a column's quantity, homology dimension,
scale and class are fields, never read back from its name.

Room: results floor (``report``). Imports the data floor, ``results`` and ``plotting``
(its captions and the pillar sections).
"""

from __future__ import annotations

import base64
import html
import json
import math
from typing import Any

import numpy as np

from ..diagrams import jsonable, plain
from ..results import EXACT_H0, Cell, LayerRow, RegionsResult, Table

__all__ = ["exactness", "report_html"]

_DIM_NAMES = {0: "components", 1: "loops", 2: "voids"}

# quantity -> (short heading, what it is and its unit); {k} is the homology dimension, {s} the scale
_COLUMNS = {
    "n_points": ("points", "points in the filtration (landmarks when the layer has more samples): the diagrams, "
                 "H1+ and the H0 lengths 'longest H0' and 'total pers. H0' ran on them; count"),
    "n_features": ("features", "numbers per sample in the layer; count"),
    "median_distance": ("median distance", "the layer's median pairwise distance: the unit of every length in "
                        "this report; the layer's own units"),
    "landmark_bound": ("2r", "landmark bound: twice the landmarks' covering radius, the bottleneck error of the "
                       "landmark diagram (0: no landmarks); × median distance"),
    "band": ("band c", "radius of the 1 - alpha confidence band of Fasy et al. (2014); × median distance"),
    "n_significant": ("significant H{k}", "bars of dimension {k} longer than the threshold (the one infinite "
                      "component included in H0); count"),
    "p": ("p H{k}", "smallest adjusted p-value of dimension {k} (universal null of Bobrowski and Skraba 2023 "
          "for H1+, corrected over the layer's bars; H0: the runt-ratio test of clusters); see the findings for "
          "the report-wide Benjamini-Hochberg control"),
    "n_tests": ("tests H{k}", "bars of dimension {k} tested (H0: merges of two clusters of the minimum size): the "
                "family the p-value is corrected over; count"),
    "threshold": ("threshold H{k}", "what a bar must exceed to count: with p-values, the ratio death / birth "
                  "(dimensionless); with the confidence band, the lifetime 2 × band c (× median distance); the "
                  "landmark bound 2r is never added"),
    "longest": ("longest H{k}", "the longest finite bar of dimension {k} of the points in the filtration (the "
                "landmarks when 2r > 0); × median distance"),
    "total_persistence": ("total pers. H{k}", "sum of the finite lifetimes of dimension {k} of the points in the "
                          "filtration (the landmarks when 2r > 0); × median distance"),
    "h0_exact_n_points": ("H0 exact: samples", "samples the exact H0 ran on: every sample of the layer, by a float64 "
                          "minimum spanning tree (no landmarks, no distance matrix); 'same': the layer has no landmarks, "
                          "so its H0 columns to the left are already those of every sample; count"),
    "h0_exact_longest": ("H0 exact: longest", "the longest finite H0 bar of every sample (the spanning tree's longest "
                         "edge), exact; 'longest H0' is the landmarks', within 2r of it whenever either is longer than "
                         "4r (the bottleneck bound); × median distance"),
    "h0_exact_total_persistence": ("H0 exact: total pers.", "sum of the finite H0 lifetimes of every sample (the "
                                   "spanning tree's length), exact; × median distance"),
    "entropy": ("entropy H{k}", "persistent entropy of the finite bars; nats"),
    "betti": ("β{k} at {s}", "Betti number at {s} × median distance; count"),
    "intrinsic_dim": ("TwoNN dim.", "intrinsic dimension, TwoNN estimator (Facco et al. 2017); dimensionless"),
    "covering_radius_rel": ("covering radius", "landmarks' covering radius; × median distance"),
}

SECTIONS = {
    "findings": "What the numbers below support, one sentence each, made by fixed rules from the numbers they "
                "quote (rule in brackets); read these first, then check them against the tables.",
    "table": "One row per layer, input first, in groups of columns; every length is a multiple of that layer's "
             "median pairwise distance, so layers of any width compare; the legend under each group gives each "
             "column's meaning and unit.",
    "probes": "Cross-validated accuracy of three probes per layer: the topological probe reads the label from the "
              "shape of each sample's cloud; it is informative only where it beats its shuffled-label control, and "
              "the linear probe on pooled activations is the baseline to beat.",
    "regions": "A ReLU network is linear on each region of its input space, one region per activation pattern; the "
               "counts say how finely the layers up to each one cut the input.",
    "matrices": "Layer x layer matrices: distances between the normalised diagrams of one homology dimension "
                "(0: same shape) and CKA between the activations (1: the same up to rotation and scale).",
    "provenance": "Everything needed to reproduce the numbers: library and engine versions, the engine used, date, "
                  "seed, a hash of the inputs, the model's identity and every setting.",
}


def fmt(v: Any) -> str:
    """A table cell: 4 significant digits, en dash for NaN, ∞ for inf."""
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞"
        return f"{v:.4g}"
    return html.escape(str(v))


def column_info(c: Cell) -> tuple[str, str]:
    """Heading and legend of a table column, from its cell's fields."""
    if c.quantity in _COLUMNS:
        head, legend = _COLUMNS[c.quantity]
        head, legend = head.format(k=c.k, s=c.scale), legend.format(k=c.k, s=c.scale)
    else:
        head = legend = c.quantity
    if c.klass is not None:
        return f"class {c.klass}: {head}", f"{legend}, samples of class {c.klass} only"
    return head, legend


def column_group(c: Cell) -> str:
    if c.klass is not None:
        return "per class"
    if c.quantity in EXACT_H0:
        return f"H0 ({_DIM_NAMES[0]})"
    if c.k is not None:
        return f"H{c.k} ({_DIM_NAMES.get(c.k, 'features')})"
    if c.quantity == "intrinsic_dim":
        return "shape"
    return "samples and scale"


def _tables_html(table: Table) -> list[str]:
    e = html.escape
    groups: dict[str, list[Cell]] = {}
    for c in table.cells():
        groups.setdefault(column_group(c), []).append(c)
    parts = []
    for group, cells in groups.items():
        parts.append(f"<h3>{e(group)}</h3><div class='scroll'><table><tr><th>layer</th>"
                     + "".join(f"<th>{e(column_info(c)[0])}</th>" for c in cells) + "</tr>")
        for row in table.rows:
            values = row.columns()
            parts.append(f"<tr><td>{e(row.key)}</td>" + "".join(
                f"<td>{_value(row, values, c)}</td>" for c in cells) + "</tr>")
        parts.append("</table></div><dl class='legend'>" + "".join(
            f"<dt>{e(column_info(c)[0])}</dt><dd>{e(column_info(c)[1])}</dd>" for c in cells) + "</dl>")
    return parts


def _value(row: LayerRow, values: dict[str, Any], c: Cell) -> str:
    """A cell of ``row``: its number, 'same' for an exact-H0 column of a layer without landmarks, else an en dash."""
    if c.name not in values and c.quantity in EXACT_H0 and c.klass is None and row.landmark_bound == 0:
        return "same"
    return fmt(values.get(c.name, float("nan")))


def _range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.3g}" if f"{lo:.3g}" == f"{hi:.3g}" else f"{lo:.3g} to {hi:.3g}"


def exactness(table: Table) -> str | None:
    """What the per-layer table holds exactly and what on landmarks, in words (None for an empty table).

    Rows whose diagrams ran on landmarks (``landmark_bound`` 2r > 0): H0 of every sample is
    exact (the ``h0_exact_*`` columns, a float64 minimum spanning tree) and, with p-values,
    so is the cluster test behind the H0 significance columns; the diagrams, every H1+
    column and the landmarks' H0 lengths are on ``n_points`` landmarks with covering
    radius ``r = 2r / 2``. Rows without landmarks (``landmark_bound`` 0) ran every column
    on all their samples. Rows that record neither are not described.
    """
    rows = [r for r in table.rows if r.n_points is not None and r.landmark_bound is not None]
    if not rows:
        return None
    lm = [r for r in rows if r.landmark_bound > 0]
    full = [r for r in rows if r.landmark_bound == 0]
    parts = []
    if lm:
        exact = [r for r in lm if r.h0_exact_n_points is not None]
        m = sorted({int(r.n_points) for r in lm})
        radius = [float(r.landmark_bound) / 2 for r in lm]
        if exact:
            n = sorted({int(r.h0_exact_n_points) for r in exact})
            tested = all(0 in r.p for r in exact)
            parts.append(
                f"Exact: H0 of all {'/'.join(map(str, n))} samples of "
                + ("each layer" if len(exact) == len(rows) else f"{len(exact)} of the {len(rows)} rows")
                + ", computed by a minimum spanning tree in float64 (no landmarks, no distance matrix): the columns "
                "'H0 exact: samples', 'H0 exact: longest' and 'H0 exact: total pers.'"
                + ("; the cluster test behind 'significant H0', 'p H0' and 'tests H0' ran on all the samples too"
                   if tested else "") + ".")
        parts.append(
            "On landmarks: the diagrams, " + ("every H1 and higher column and " if any(k >= 1 for k in table.dims)
                                              else "") + "'longest H0' / 'total pers. H0' ran on "
            f"{'/'.join(map(str, m))} max-min landmarks per layer, with covering radius r = {_range(radius)} "
            "× median distance (column '2r' = twice it): each landmark diagram is within bottleneck distance 2r "
            "of that of all the samples" + (", a bound that describes the approximation and is not added to any "
                                            "threshold." if any(r.threshold for r in lm) else "."))
    if full:
        n = sorted({int(r.n_points) for r in full})
        parts.append(
            ("Every column" if not lm else f"In {len(full)} rows without landmarks every column")
            + f" ran on all the {'/'.join(map(str, n))} samples of the layer, H0 included (computed with the "
            "higher dimensions by the engine the diagrams' meta['backend'] names), so no exact-H0 column repeats it.")
    return " ".join(parts)


def region_method(r: Any) -> str:
    """Which method produced the region counts on the plane, and what that makes of them."""
    r = RegionsResult.from_payload(r)
    if r.exact:
        return ("Counts on the plane: exact (the polygons of the partition, computed layer by layer; "
                f"tolerance {r.tol or 0:g}).")
    why = r.method_note
    return (f"Counts on the plane: a {r.resolution}² grid, a lower bound (regions thinner than the grid "
            "spacing are missed)" + (f"; the exact method was not used: {why}" if why else "") + ".")


def _regions_html(r: RegionsResult) -> list[str]:
    e = html.escape
    parts = [f"<h2>Activation regions</h2><p class='how'>{e(SECTIONS['regions'])}</p><p>Distinct "
             "patterns, counting the layers up to each one (on the samples: at most one per sample, so a "
             f"count equal to the number of samples is saturated). {e(region_method(r))}</p>"]
    if float(r.zoom) > 1:
        parts.append(f"<p class='note'>The network cuts the plane through three samples into more regions than a "
                     f"{r.resolution}² grid resolves ({r.full_window_regions} distinct patterns): "
                     f"the counts below are lower bounds and the figure zooms {r.zoom:g}x on one sample.</p>")
    plane = "on the plane (exact)" if r.exact else "on the plane (grid, lower bound)"
    parts.append(f"<table><tr><th>up to layer</th><th>{plane}</th><th>on the samples</th></tr>")
    for layer, c in (r.full_window_counts_by_layer or r.counts_by_layer or {}).items():
        parts.append(f"<tr><td>{e(layer)}</td><td>{fmt(c)}</td>"
                     f"<td>{fmt(r.patterns_by_layer.get(layer, float('nan')))}</td></tr>")
    parts.append("</table>")
    return parts


_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f3f3f3;white-space:normal;max-width:9em;vertical-align:bottom}"
    "td:first-child,th:first-child{text-align:left;word-break:break-word;max-width:14em}"
    ".scroll{max-width:100%;overflow-x:auto}"
    "dl.legend{font-size:12px;color:#444;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}"
    "dl.legend dt{font-weight:600}dl.legend dd{margin:0}"
    "img{max-width:100%;border:1px solid #eee;margin:.5em 0}code{background:#f5f5f5;padding:1px 4px}"
    ".note{color:#8a5a00}.how{color:#555;font-style:italic}.rule{color:#777;font-size:12px}"
    "ul.findings li{margin:.3em 0}</style>"
)


def report_html(report: Any, pngs: dict[str, bytes]) -> str:
    """One self-contained page: findings first, figures embedded as base64 PNG, tables as HTML."""
    from ..plotting.report import CAPTIONS
    from ..plotting.report_pillars import PILLAR_CAPTIONS, loops_section, symmetry_section

    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>", f"<title>{e(report.title)}</title>",
        _STYLE, "</head><body>", f"<h1>{e(report.title)}</h1>",
        f"<p>{len(report.layers)} layers: {', '.join(f'<code>{e(lay)}</code>' for lay in report.layers)}</p>",
    ]
    if report.findings:
        parts.append(f"<h2>Findings</h2><p class='how'>{e(SECTIONS['findings'])}</p><ul class='findings'>")
        for f in report.findings:
            parts.append(f"<li>{e(f.text)} <span class='rule'>[{e(f.rule)}]</span></li>")
        parts.append("</ul>")
    for note in report.notes:
        parts.append(f"<p class='note'>Note: {e(note)}</p>")
    if report.table:
        parts.append(f"<h2>Per-layer summary</h2><p class='how'>{e(SECTIONS['table'])}</p>")
        said = exactness(report.table)
        if said:
            parts.append(f"<p class='exact'>{e(said)}</p>")
        parts.extend(_tables_html(report.table))
    if report.probes:
        p = report.probes
        parts.append(f"<h2>Probes (cross-validated accuracy)</h2><p class='how'>{e(SECTIONS['probes'])}</p>"
                     "<table><tr><th>layer</th><th>topological</th>"
                     "<th>linear (pooled)</th><th>topological, shuffled labels</th></tr>")
        for i, layer in enumerate(p.layers):
            parts.append(f"<tr><td>{e(layer)}</td><td>{fmt(float(p.topological[i]))}</td>"
                         f"<td>{fmt(float(p.linear[i]))}</td><td>{fmt(float(p.shuffled[i]))}</td></tr>")
        parts.append(f"</table><p>Chance (majority class): {fmt(p.chance)}</p>")
    if report.regions:
        parts.extend(_regions_html(report.regions))
    parts.append(loops_section(report))
    parts.append(symmetry_section(report))
    from ..plotting.mapper import mapper_section

    parts.append(mapper_section(report))
    for stem, png in pngs.items():
        b64 = base64.b64encode(png).decode("ascii")
        how = PILLAR_CAPTIONS.get(stem) or CAPTIONS.get(stem)
        if stem == "regions" and report.regions is not None and report.regions.exact:
            how = "The exact partition of the plane through three samples into linear regions, drawn as polygons " \
                  "(left), and the exact number of regions by depth (right)."
        parts.append(f"<h2>{e(stem.replace('_', ' '))}</h2>" + (f"<p class='how'>{e(how)}</p>" if how else "")
                     + f"<img alt='{e(stem)}' src='data:image/png;base64,{b64}'>")
    if report.matrices:
        parts.append(f"<h2>Layer x layer matrices</h2><p class='how'>{e(SECTIONS['matrices'])}</p>")
    for name, (labels, m) in report.matrices.items():
        parts.append(f"<h3>{e(name)}</h3><div class='scroll'><table><tr><th></th>"
                     + "".join(f"<th>{e(str(lab))}</th>" for lab in labels) + "</tr>")
        for lab, row in zip(labels, np.asarray(m)):
            parts.append(f"<tr><th>{e(str(lab))}</th>" + "".join(f"<td>{fmt(float(v))}</td>" for v in row) + "</tr>")
        parts.append("</table></div>")
    parts.append(f"<h2>How this report was made</h2><p class='how'>{e(SECTIONS['provenance'])}</p>")
    prov = (report.config or {}).get("provenance")
    if isinstance(prov, dict):
        parts.append("<table>" + "".join(f"<tr><th>{e(str(k))}</th><td style='text-align:left'>"
                                         f"{e(json.dumps(jsonable(plain(v))))}</td></tr>" for k, v in prov.items())
                     + "</table>")
    parts.append("<pre>" + e(json.dumps(jsonable(plain(report.config)), indent=1)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
