"""``Report``: what an analysis found, as JSON, PNG figures and one self-contained HTML page.

A report holds plain data only (diagrams, per-layer tables, labelled matrices,
series over training, probe scores) plus the configuration that produced it, so
it can be saved, reloaded and re-run without the model in memory. Figures are
drawn from that data when the report is saved.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .diagrams import Diagrams, jsonable, plain, unjson

__all__ = ["Report"]

_FORMAT = "tda_nn.Report/1"


@dataclass(frozen=True, eq=False)
class Report:
    """The result of ``analyze``, ``compare_checkpoints`` or ``track``.

    Attributes
    ----------
    title : str
    config : dict
        JSON-safe record of how the report was made (model, checkpoint, data, layers,
        parameters), enough to re-run it.
    layers : tuple of str
        The layers, in model order.
    diagrams : dict layer -> Diagrams
    table : dict layer -> dict metric -> float
        Per-layer scalars (points used, covering radius, Betti numbers at scales,
        total persistence, entropy, significant bars, intrinsic dimension, ...).
    matrices : dict name -> (labels, ndarray)
        Labelled square matrices such as layer x layer Wasserstein distances and CKA.
    series : dict
        Values over training steps: ``{"steps": [...], name: {layer: [...]}}``.
    probes : dict or None
        ``ProbeScores.to_dict()`` when probes were run.
    regions : dict or None
        Activation regions of a ReLU network on a plane through three samples: the
        region label image, the predicted class, the projected samples and the counts
        by layer (see :func:`tda_nn.analyze`).
    notes : list of str
        Things the reader should know (landmarks used, warnings raised).
    findings : list of Finding
        What the numbers say, as typed sentences (:mod:`tda_nn.findings`); dicts
        made by ``Finding.to_dict`` are converted. They head the HTML page.
    views : dict or None
        A 2-D view of every layer's samples: ``{"method": "pca" | "umap", "coords":
        {layer: [[x, y], ...]}, "labels": [...] or None, "class_names": {label: name}}``.
    loops : dict or None
        The samples along every significant H1 loop of every layer, in loop order, and
        their lifelines across depth (:func:`tda_nn.workflow_stages.loops_stage`).
    symmetry : dict or None
        Per-layer invariance and equivariance errors with intervals and orbit fractions
        by action (:func:`tda_nn.workflow_stages.symmetry_stage`).
    """

    title: str
    config: dict = field(default_factory=dict)
    layers: tuple = ()
    diagrams: dict = field(default_factory=dict)
    table: dict = field(default_factory=dict)
    matrices: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    probes: dict | None = None
    regions: dict | None = None
    notes: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    views: dict | None = None
    loops: dict | None = None
    symmetry: dict | None = None

    def __post_init__(self) -> None:
        from .findings import Finding

        items = []
        for f in self.findings:
            if isinstance(f, Mapping):
                f = Finding.from_dict(f)
            elif not isinstance(f, Finding):
                raise TypeError(f"findings must hold Finding objects (or their to_dict()), got {type(f).__name__}.")
            items.append(f)
        object.__setattr__(self, "findings", items)

    def __repr__(self) -> str:
        parts = [f"{len(self.layers)} layers", f"{len(self.diagrams)} diagrams"]
        if self.matrices:
            parts.append("matrices: " + ", ".join(self.matrices))
        if self.series:
            parts.append(f"{len(self.series.get('steps', []))} steps")
        if self.probes:
            parts.append("probes")
        if self.regions:
            r = self.regions
            parts.append(f"{r.get('full_window_regions', r.get('n_regions'))} regions on a plane ({r.get('method', 'grid')})")
        if self.loops:
            parts.append(f"{sum(len(v['loops']) for v in self.loops['layers'].values())} loops")
        if self.symmetry:
            parts.append("symmetries: " + ", ".join(self.symmetry.get("invariance", {})))
        if self.findings:
            parts.append(f"{len(self.findings)} findings")
        return f"Report({self.title!r}; " + "; ".join(parts) + ")"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Report):
            return NotImplemented
        return self._json_body() == other._json_body() and self.diagrams.keys() == other.diagrams.keys() and all(
            self.diagrams[k] == other.diagrams[k] for k in self.diagrams)

    # -- summary ----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """A short JSON-safe summary: per-layer table, matrices, probe scores."""
        return jsonable(plain({
            "title": self.title,
            "layers": list(self.layers),
            "table": self.table,
            "matrices": {k: {"labels": list(lab), "values": np.asarray(m).tolist()} for k, (lab, m) in self.matrices.items()},
            "probes": self.probes,
            "regions": None if not self.regions else {
                k: self.regions.get(k) for k in ("n_regions", "method", "counts_by_layer", "data_patterns")},
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }))

    def to_pandas(self) -> dict[str, Any]:
        """The report's numbers as pandas DataFrames (needs pandas: ``pip install "tda_nn[pandas]"``).

        Returns
        -------
        dict of str -> pandas.DataFrame
            ``"table"``: one row per layer (index ``layer``, in model order), one column
            per metric (missing values NaN); each matrix under its own name (``"matrix: <name>"``
            for a matrix called ``table`` or ``probes``), square with
            its labels (layers or checkpoints) as index and columns; ``"probes"`` when
            probes were run (rows: layers; columns: topological, linear, shuffled); and
            each series over training as ``"series: <quantity>"`` (rows: steps; columns:
            layers).

        Raises
        ------
        ImportError
            pandas is not installed; the message names the extra.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                'Report.to_pandas needs pandas, which is not installed: pip install "tda_nn[pandas]" '
                "(or use report.table and report.matrices, plain dicts and arrays)."
            ) from exc
        out: dict[str, Any] = {}
        rows = [layer for layer in self.layers if layer in self.table]
        rows += [layer for layer in self.table if layer not in rows]
        cols = sorted({c for row in self.table.values() for c in row}, key=_column_order)
        table = pd.DataFrame([[self.table[r].get(c, math.nan) for c in cols] for r in rows],
                             index=pd.Index(rows, name="layer"), columns=cols)
        out["table"] = table
        for name, (labels, m) in self.matrices.items():
            labels = [str(lab) for lab in labels]
            key = name if name not in ("table", "probes") else f"matrix: {name}"
            out[key] = pd.DataFrame(np.asarray(m, dtype=float), index=labels, columns=labels)
        if self.probes:
            p = self.probes
            out["probes"] = pd.DataFrame({k: np.asarray(p[k], dtype=float) for k in ("topological", "linear", "shuffled")},
                                         index=pd.Index(list(p["layers"]), name="layer"))
        steps = self.series.get("steps")
        for name, by_layer in self.series.items():
            if name == "steps" or not isinstance(by_layer, dict):
                continue
            frame = pd.DataFrame({layer: pd.Series(list(v), dtype=float) for layer, v in by_layer.items()})
            if steps is not None and len(steps) == len(frame):
                frame.index = pd.Index(list(steps), name="step")
            out[f"series: {name}"] = frame
        return out

    def _json_body(self) -> dict[str, Any]:
        return jsonable(plain({
            "format": _FORMAT,
            "title": self.title,
            "config": self.config,
            "layers": list(self.layers),
            "table": self.table,
            "matrices": {k: {"labels": list(lab), "values": np.asarray(m).tolist()} for k, (lab, m) in self.matrices.items()},
            "series": self.series,
            "probes": self.probes,
            "regions": self.regions,
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.findings],
            "views": self.views,
            "loops": self.loops,
            "symmetry": self.symmetry,
        }))

    # -- figures ----------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """Matplotlib figures of the report, by file stem."""
        from .plotting.report import report_figures

        return report_figures(self)

    # -- persistence --------------------------------------------------------------
    def save(self, directory: str | Path, *, figures: bool = True) -> Path:
        """Write ``report.json``, ``diagrams/<generation>/*.npz``, the PNG figures and ``report.html`` into ``directory``.

        Atomic as a whole (:func:`tda_nn.store.replace_folder`): every file is written
        into a new folder beside ``directory``, which then replaces it in one step, so
        a kill or a full disk at any point leaves either the old report or the new
        one, never files of both; other files in ``directory`` (a stage cache, your
        own) are kept. Files get the permissions of the process umask.
        """
        import time

        from .store import replace_folder

        out = Path(directory)
        gen = f"g{time.time_ns():x}"

        def fill(stage: Path) -> None:
            body = self._json_body()
            files = {}
            (stage / "diagrams" / gen).mkdir(parents=True)
            for i, (layer, d) in enumerate(self.diagrams.items()):
                rel = f"diagrams/{gen}/{i:02d}_{_safe(layer)}.npz"
                d.save(stage / rel)
                files[layer] = rel
            body["diagrams"] = files
            pngs: dict[str, bytes] = {}
            if figures:
                import matplotlib

                matplotlib.use("Agg", force=False)
                import matplotlib.pyplot as plt

                for stem, fig in self.figures().items():
                    buf = io.BytesIO()
                    fig.savefig(buf, format="png", dpi=110)
                    plt.close(fig)
                    pngs[stem] = buf.getvalue()
                    (stage / f"{stem}.png").write_bytes(pngs[stem])
            body["figures"] = [f"{s}.png" for s in pngs]
            (stage / "report.html").write_text(_html(self, pngs), encoding="utf-8")
            (stage / "report.json").write_text(json.dumps(body, indent=1, allow_nan=False), encoding="utf-8")

        return replace_folder(out, fill, owned=_owned_by_report(out))

    @classmethod
    def load(cls, directory: str | Path) -> Report:
        """Read a report written by ``save``; a missing or corrupt file raises ``ValueError``.

        Only files inside ``directory`` are read (diagram paths with ``..``, absolute
        paths or symbolic links out are refused); every field of ``report.json`` is
        checked for its type, and a matrix for the shape its labels give, with a
        ``ValueError`` naming the file and the field.
        """
        from ._files import inside, read_json

        given = Path(directory)
        if not given.exists():
            raise FileNotFoundError(f"directory {str(given)!r} does not exist; give the directory Report.save wrote.")
        path = given / "report.json" if given.is_dir() else given
        root = path.parent
        if not path.exists():
            raise FileNotFoundError(f"no report.json in {str(root)!r}; give the directory Report.save wrote.")
        try:
            body = _checked_body(unjson(read_json(path, what="report.json")))
            diagrams = {layer: Diagrams.load(inside(root, rel, what=f"diagrams[{layer!r}]"))
                        for layer, rel in body["diagrams"].items()}
        except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile, RecursionError) as exc:
            if isinstance(exc, MemoryError):  # MemoryBudgetError from a diagrams file's declared sizes
                raise
            raise ValueError(f"{str(path)!r} is not a readable tda_nn report ({type(exc).__name__}: {exc}).") from None
        return cls(title=body["title"], config=body["config"], layers=tuple(body["layers"]), diagrams=diagrams,
                   table=body["table"], matrices=body["matrices"], series=body.get("series") or {},
                   probes=body.get("probes"), regions=body.get("regions"), notes=list(body.get("notes") or []),
                   findings=list(body.get("findings") or []), views=body.get("views"),
                   loops=body.get("loops"), symmetry=body.get("symmetry"))


_FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "config": (dict,), "layers": (list,), "diagrams": (dict,), "table": (dict,),
    "matrices": (dict,), "series": (dict, type(None)), "probes": (dict, type(None)),
    "regions": (dict, type(None)), "notes": (list, type(None)),
    "findings": (list, type(None)), "views": (dict, type(None)),
}


def _checked_body(body: Any) -> dict[str, Any]:
    """``report.json``'s fields with their types checked; matrices as ``(labels, ndarray)``."""
    if not isinstance(body, dict):
        raise ValueError(f"the top level must be a JSON object, got {type(body).__name__}")
    if body.get("format") != _FORMAT:
        raise ValueError(f"field 'format' is {body.get('format')!r}, expected {_FORMAT!r}")
    for key, types in _FIELDS.items():
        if key not in body and type(None) in types:
            continue
        if key not in body:
            raise ValueError(f"field {key!r} is missing")
        if not isinstance(body[key], types):
            want = " or ".join("null" if t is type(None) else {dict: "object", list: "list", str: "string"}[t]
                               for t in types)
            raise ValueError(f"field {key!r} must be {want}, got {type(body[key]).__name__}")
    for key in ("layers", "notes"):
        bad = [v for v in body.get(key) or [] if not isinstance(v, str)]
        if bad:
            raise ValueError(f"field {key!r} must list strings, got {bad[0]!r}")
    for layer, row in body["table"].items():
        if not isinstance(row, dict):
            raise ValueError(f"field 'table'[{layer!r}] must be an object of metric -> value, got {type(row).__name__}")
    matrices = {}
    for name, m in body["matrices"].items():
        where = f"field 'matrices'[{name!r}]"
        if not isinstance(m, dict) or not isinstance(m.get("labels"), list) or "values" not in m:
            raise ValueError(f"{where} must be an object with 'labels' (a list) and 'values'")
        try:
            values = np.asarray(m["values"], dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{where}['values'] must be a matrix of numbers") from None
        k = len(m["labels"])
        if values.shape != (k, k):
            raise ValueError(f"{where}['values'] has shape {values.shape}, but its {k} labels need ({k}, {k})")
        matrices[name] = (tuple(m["labels"]), values)
    from .findings import Finding

    findings = [Finding.from_dict(f) for f in body.get("findings") or []]  # TypeError/ValueError naming the key
    body = dict(body, matrices=matrices, findings=findings)
    return body


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "layer"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞"
        return f"{v:.4g}"
    return html.escape(str(v))


# column -> (short heading, what it is and its unit); {k} is the homology dimension
_COLUMNS = {
    "n_points": ("points", "points in the filtration (landmarks when the layer has more samples); count"),
    "n_features": ("features", "numbers per sample in the layer; count"),
    "median_distance": ("median distance", "the layer's median pairwise distance: the unit of every length in "
                        "this report; the layer's own units"),
    "landmark_bound": ("2r", "landmark bound: twice the landmarks' covering radius, the bottleneck error of the "
                       "landmark diagram (0: no landmarks); × median distance"),
    "band": ("band c", "radius of the 1 - alpha confidence band of Fasy et al. (2014); × median distance"),
    "n_significant_H": ("significant H{k}", "bars of dimension {k} longer than the threshold (the one infinite "
                        "component included in H0); count"),
    "threshold_H": ("threshold H{k}", "the lifetime a bar must exceed: 2 × max(band c, 2r); × median distance"),
    "longest_H": ("longest H{k}", "the longest finite bar of dimension {k}; × median distance"),
    "total_persistence_H": ("total pers. H{k}", "sum of the finite lifetimes of dimension {k}; × median distance"),
    "entropy_H": ("entropy H{k}", "persistent entropy of the finite bars; nats"),
    "betti_H": ("β{k} at {s}", "Betti number at {s} × median distance; count"),
    "intrinsic_dim": ("TwoNN dim.", "intrinsic dimension, TwoNN estimator (Facco et al. 2017); dimensionless"),
    "covering_radius_rel": ("covering radius", "landmarks' covering radius; × median distance"),
}

_SECTIONS = {
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


def _column_info(c: str) -> tuple[str, str]:
    """Heading and legend of a table column."""
    m = re.match(r"^(class .+?): (.*)$", c)
    if m:
        head, legend = _column_info(m.group(2))
        return f"{m.group(1)}: {head}", f"{legend}, samples of {m.group(1)} only"
    if c in _COLUMNS:
        return _COLUMNS[c]
    m = re.match(r"^([a-z_]+_H)(\d+)(?:@(.+))?$", c)
    if m and m.group(1) in _COLUMNS:
        head, legend = _COLUMNS[m.group(1)]
        return head.format(k=m.group(2), s=m.group(3)), legend.format(k=m.group(2), s=m.group(3))
    return c, c


def _column_group(c: str) -> str:
    if c.startswith("class "):
        return "per class"
    m = re.search(r"_H(\d+)(?:@|$)", c)
    if m:
        return f"H{m.group(1)} ({ {'0': 'components', '1': 'loops', '2': 'voids'}.get(m.group(1), 'features')})"
    if c == "intrinsic_dim":
        return "shape"
    return "samples and scale"


def _tables_html(table: dict) -> list[str]:
    e = html.escape
    cols = sorted({c for row in table.values() for c in row}, key=_column_order)
    groups: dict[str, list[str]] = {}
    for c in cols:
        groups.setdefault(_column_group(c), []).append(c)
    parts = []
    for group, gcols in groups.items():
        parts.append(f"<h3>{e(group)}</h3><div class='scroll'><table><tr><th>layer</th>"
                     + "".join(f"<th>{e(_column_info(c)[0])}</th>" for c in gcols) + "</tr>")
        for layer, row in table.items():
            parts.append(f"<tr><td>{e(layer)}</td>" + "".join(
                f"<td>{_fmt(row.get(c, float('nan')))}</td>" for c in gcols) + "</tr>")
        parts.append("</table></div><dl class='legend'>" + "".join(
            f"<dt>{e(_column_info(c)[0])}</dt><dd>{e(_column_info(c)[1])}</dd>" for c in gcols) + "</dl>")
    return parts


def _owned_by_report(out: Path) -> Any:
    """Which top-level names of a report folder the previous save wrote (replaced by the next save).

    ``report.json``, ``report.html``, ``diagrams/``, the figures the old ``report.json``
    lists (every ``.png`` when it cannot be read) and temporary files of older saves;
    every other entry is the user's (or a stage cache) and is kept.
    """
    figures: set[str] | None = None
    try:
        from ._files import read_json

        listed = read_json(out / "report.json", what="report.json").get("figures", [])
        figures = {f for f in listed if isinstance(f, str)}
    except (OSError, ValueError, AttributeError, TypeError):
        pass

    def owned(name: str) -> bool:
        if name in ("report.json", "report.html", "diagrams"):
            return True
        if name.startswith(".") and name.endswith(".tmp"):  # a temporary file of a save before this layout
            return True
        return name in figures if figures is not None else name.endswith(".png")

    return owned


def _html(report: Report, pngs: dict[str, bytes]) -> str:
    """One self-contained page: findings first, figures embedded as base64 PNG, tables as HTML."""
    from .plotting.report import CAPTIONS

    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(report.title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:right}th{background:#f3f3f3;white-space:normal;max-width:9em;vertical-align:bottom}"
        "td:first-child,th:first-child{text-align:left;word-break:break-word;max-width:14em}"
        ".scroll{max-width:100%;overflow-x:auto}"
        "dl.legend{font-size:12px;color:#444;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}"
        "dl.legend dt{font-weight:600}dl.legend dd{margin:0}"
        "img{max-width:100%;border:1px solid #eee;margin:.5em 0}code{background:#f5f5f5;padding:1px 4px}"
        ".note{color:#8a5a00}.how{color:#555;font-style:italic}.rule{color:#777;font-size:12px}"
        "ul.findings li{margin:.3em 0}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        f"<p>{len(report.layers)} layers: {', '.join(f'<code>{e(lay)}</code>' for lay in report.layers)}</p>",
    ]
    if report.findings:
        parts.append(f"<h2>Findings</h2><p class='how'>{e(_SECTIONS['findings'])}</p><ul class='findings'>")
        for f in report.findings:
            parts.append(f"<li>{e(f.text)} <span class='rule'>[{e(f.rule)}]</span></li>")
        parts.append("</ul>")
    for note in report.notes:
        parts.append(f"<p class='note'>Note: {e(note)}</p>")
    if report.table:
        parts.append(f"<h2>Per-layer summary</h2><p class='how'>{e(_SECTIONS['table'])}</p>")
        parts.extend(_tables_html(report.table))
    if report.probes:
        p = report.probes
        parts.append(f"<h2>Probes (cross-validated accuracy)</h2><p class='how'>{e(_SECTIONS['probes'])}</p>"
                     "<table><tr><th>layer</th><th>topological</th>"
                     "<th>linear (pooled)</th><th>topological, shuffled labels</th></tr>")
        for i, layer in enumerate(p["layers"]):
            parts.append(f"<tr><td>{e(layer)}</td><td>{_fmt(p['topological'][i])}</td><td>{_fmt(p['linear'][i])}</td>"
                         f"<td>{_fmt(p['shuffled'][i])}</td></tr>")
        parts.append(f"</table><p>Chance (majority class): {_fmt(p['chance'])}</p>")
    if report.regions:
        r = report.regions
        parts.append(f"<h2>Activation regions</h2><p class='how'>{e(_SECTIONS['regions'])}</p><p>Distinct "
                     "patterns, counting the layers up to each one (on the samples: at most one per sample, so a "
                     f"count equal to the number of samples is saturated). {e(_region_method(r))}</p>")
        data_counts = r.get("data_patterns") or {}
        if float(r.get("zoom", 1.0)) > 1:
            parts.append(f"<p class='note'>The network cuts the plane through three samples into more regions than a "
                         f"{r.get('resolution')}² grid resolves ({r.get('full_window_regions')} distinct patterns): "
                         f"the counts below are lower bounds and the figure zooms {r['zoom']:g}x on one sample.</p>")
        plane = "on the plane (exact)" if r.get("method") == "exact" else "on the plane (grid, lower bound)"
        parts.append(f"<table><tr><th>up to layer</th><th>{plane}</th><th>on the samples</th></tr>")
        for layer, c in (r.get("full_window_counts_by_layer") or r.get("counts_by_layer") or {}).items():
            parts.append(f"<tr><td>{e(layer)}</td><td>{_fmt(c)}</td>"
                         f"<td>{_fmt(data_counts.get('patterns/' + layer, float('nan')))}</td></tr>")
        parts.append("</table>")
    from .plotting.report_pillars import PILLAR_CAPTIONS, loops_section, symmetry_section

    parts.append(loops_section(report))
    parts.append(symmetry_section(report))
    for stem, png in pngs.items():
        b64 = base64.b64encode(png).decode("ascii")
        how = PILLAR_CAPTIONS.get(stem) or CAPTIONS.get(stem)
        if stem == "regions" and (report.regions or {}).get("method") == "exact":
            how = "The exact partition of the plane through three samples into linear regions, drawn as polygons " \
                  "(left), and the exact number of regions by depth (right)."
        parts.append(f"<h2>{e(stem.replace('_', ' '))}</h2>" + (f"<p class='how'>{e(how)}</p>" if how else "")
                     + f"<img alt='{e(stem)}' src='data:image/png;base64,{b64}'>")
    if report.matrices:
        parts.append(f"<h2>Layer x layer matrices</h2><p class='how'>{e(_SECTIONS['matrices'])}</p>")
    for name, (labels, m) in report.matrices.items():
        parts.append(f"<h3>{e(name)}</h3><div class='scroll'><table><tr><th></th>"
                     + "".join(f"<th>{e(str(lab))}</th>" for lab in labels) + "</tr>")
        for lab, row in zip(labels, np.asarray(m)):
            parts.append(f"<tr><th>{e(str(lab))}</th>" + "".join(f"<td>{_fmt(float(v))}</td>" for v in row) + "</tr>")
        parts.append("</table></div>")
    parts.append(f"<h2>How this report was made</h2><p class='how'>{e(_SECTIONS['provenance'])}</p>")
    prov = (report.config or {}).get("provenance")
    if isinstance(prov, dict):
        parts.append("<table>" + "".join(f"<tr><th>{e(str(k))}</th><td style='text-align:left'>"
                                         f"{e(json.dumps(jsonable(plain(v))))}</td></tr>" for k, v in prov.items())
                     + "</table>")
    parts.append("<pre>" + e(json.dumps(jsonable(plain(report.config)), indent=1)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _region_method(r: dict) -> str:
    """Which method produced the region counts on the plane, and what that makes of them."""
    if r.get("method") == "exact":
        return ("Counts on the plane: exact (the polygons of the partition, computed layer by layer; "
                f"tolerance {r.get('tol', 0):g}).")
    why = r.get("method_note")
    return (f"Counts on the plane: a {r.get('resolution')}² grid, a lower bound (regions thinner than the grid "
            "spacing are missed)" + (f"; the exact method was not used: {why}" if why else "") + ".")


def _column_order(c: str) -> tuple[int, int, str]:
    first = ("n_points", "n_features", "median_distance", "landmark_bound", "covering_radius", "band",
             "n_significant", "threshold", "longest", "total_persistence", "betti", "entropy", "intrinsic_dim", "class")
    m = re.search(r"_H(\d+)", c)
    k = int(m.group(1)) if m else -1
    for i, p in enumerate(first):
        if c.startswith(p):
            return (i, k, c)
    return (len(first), k, c)
