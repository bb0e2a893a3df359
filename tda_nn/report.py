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

    def __repr__(self) -> str:
        parts = [f"{len(self.layers)} layers", f"{len(self.diagrams)} diagrams"]
        if self.matrices:
            parts.append("matrices: " + ", ".join(self.matrices))
        if self.series:
            parts.append(f"{len(self.series.get('steps', []))} steps")
        if self.probes:
            parts.append("probes")
        if self.regions:
            parts.append(f"{self.regions.get('n_regions')} regions on a plane")
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
                k: self.regions.get(k) for k in ("n_regions", "counts_by_layer", "data_patterns")},
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
        }))

    # -- figures ----------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """Matplotlib figures of the report, by file stem."""
        from .plotting.report import report_figures

        return report_figures(self)

    # -- persistence --------------------------------------------------------------
    def save(self, directory: str | Path, *, figures: bool = True) -> Path:
        """Write ``report.json``, ``diagrams/*.npz``, the PNG figures and ``report.html`` into ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        (out / "diagrams").mkdir(exist_ok=True)
        body = self._json_body()
        files = {}
        for i, (layer, d) in enumerate(self.diagrams.items()):
            rel = f"diagrams/{i:02d}_{_safe(layer)}.npz"
            d.save(out / rel)
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
                (out / f"{stem}.png").write_bytes(pngs[stem])
        body["figures"] = [f"{s}.png" for s in pngs]
        tmp = out / "report.json.tmp"
        tmp.write_text(json.dumps(body, indent=1, allow_nan=False))
        tmp.replace(out / "report.json")
        (out / "report.html").write_text(_html(self, pngs), encoding="utf-8")
        return out

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
                   probes=body.get("probes"), regions=body.get("regions"), notes=list(body.get("notes") or []))


_FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "config": (dict,), "layers": (list,), "diagrams": (dict,), "table": (dict,),
    "matrices": (dict,), "series": (dict, type(None)), "probes": (dict, type(None)),
    "regions": (dict, type(None)), "notes": (list, type(None)),
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
    body = dict(body, matrices=matrices)
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


def _html(report: Report, pngs: dict[str, bytes]) -> str:
    """One self-contained page: figures embedded as base64 PNG, tables as HTML."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(report.title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
        "img{max-width:100%;border:1px solid #eee;margin:.5em 0}code{background:#f5f5f5;padding:1px 4px}"
        ".note{color:#8a5a00}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        f"<p>{len(report.layers)} layers: {', '.join(f'<code>{e(lay)}</code>' for lay in report.layers)}</p>",
    ]
    for note in report.notes:
        parts.append(f"<p class='note'>Note: {e(note)}</p>")
    if report.table:
        cols = sorted({c for row in report.table.values() for c in row}, key=_column_order)
        parts.append("<h2>Per-layer summary</h2><table><tr><th>layer</th>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>")
        for layer, row in report.table.items():
            parts.append(f"<tr><td>{e(layer)}</td>" + "".join(f"<td>{_fmt(row.get(c, float('nan')))}</td>" for c in cols) + "</tr>")
        parts.append("</table>")
    if report.probes:
        p = report.probes
        parts.append("<h2>Probes (cross-validated accuracy)</h2><table><tr><th>layer</th><th>topological</th>"
                     "<th>linear (pooled)</th><th>topological, shuffled labels</th></tr>")
        for i, layer in enumerate(p["layers"]):
            parts.append(f"<tr><td>{e(layer)}</td><td>{_fmt(p['topological'][i])}</td><td>{_fmt(p['linear'][i])}</td>"
                         f"<td>{_fmt(p['shuffled'][i])}</td></tr>")
        parts.append(f"</table><p>Chance (majority class): {_fmt(p['chance'])}</p>")
    if report.regions:
        r = report.regions
        parts.append("<h2>Activation regions</h2><p>A ReLU network is linear on each region of its input space, "
                     "one per activation pattern. Distinct patterns, counting the layers up to each one:</p>"
                     "<table><tr><th>up to layer</th><th>on the plane</th><th>on the samples</th></tr>")
        data_counts = r.get("data_patterns") or {}
        if float(r.get("zoom", 1.0)) > 1:
            parts.append(f"<p class='note'>The network cuts the plane through three samples into more regions than a "
                         f"{r.get('resolution')}² grid resolves ({r.get('full_window_regions')} distinct patterns): "
                         f"the counts below are lower bounds and the figure zooms {r['zoom']:g}x on one sample.</p>")
        for layer, c in (r.get("full_window_counts_by_layer") or r.get("counts_by_layer") or {}).items():
            parts.append(f"<tr><td>{e(layer)}</td><td>{_fmt(c)}</td>"
                         f"<td>{_fmt(data_counts.get('patterns/' + layer, float('nan')))}</td></tr>")
        parts.append("</table>")
    for stem, png in pngs.items():
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{e(stem.replace('_', ' '))}</h2><img alt='{e(stem)}' src='data:image/png;base64,{b64}'>")
    for name, (labels, m) in report.matrices.items():
        parts.append(f"<h3>{e(name)}</h3><table><tr><th></th>" + "".join(f"<th>{e(str(lab))}</th>" for lab in labels) + "</tr>")
        for lab, row in zip(labels, np.asarray(m)):
            parts.append(f"<tr><th>{e(str(lab))}</th>" + "".join(f"<td>{_fmt(float(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>How this report was made</h2><pre>" + e(json.dumps(jsonable(plain(report.config)), indent=1)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _column_order(c: str) -> tuple[int, str]:
    first = ("n_points", "covering_radius", "betti", "total_persistence", "entropy", "significant", "intrinsic_dim")
    for i, p in enumerate(first):
        if c.startswith(p):
            return (i, c)
    return (len(first), c)
