"""``Report``: what an analysis found, as typed results, JSON, PNG figures and one self-contained HTML page.

A report holds the typed results of the stages (:mod:`tda_nn.results`: the per-layer
:class:`~tda_nn.results.Table`, probes, regions, views, loops, symmetry), diagrams,
labelled matrices, series over training and :class:`~tda_nn.findings.Finding`
objects, plus the configuration that produced it, so it can be saved, reloaded and
re-run without the model in memory. Figures are drawn from that data when saved.

Room: results floor (``report``). Imports the helpers and data floors, ``results``,
``findings`` and ``plotting``; never ``workflows`` or ``cli``.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..diagrams import Diagrams, jsonable, plain, unjson
from ..findings import Finding
from ..results import LoopsResult, MapperResult, ProbesResult, RegionsResult, SymmetryResult, Table, ViewsResult
from .html import exactness, report_html
from .schema import read_body, write_body

__all__ = ["Report"]


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
    table : Table
        One typed :class:`~tda_nn.results.LayerRow` per layer (points used, landmark
        bound, per homology dimension the significant bars, threshold, longest bar, total
        persistence, Betti numbers at scales, intrinsic dimension, per class ...; with
        landmarks also H0 of every sample, exact: ``h0_exact_n_points``,
        ``h0_exact_longest``, ``h0_exact_total_persistence``); keyed
        by layer (``'<checkpoint>:<layer>'`` in a comparison). Each row also reads as its
        flat columns: ``report.table["conv2"]["n_significant_H1"]`` is
        ``report.table["conv2"].n_significant[1]``. Given as plain ``{layer: {column:
        number}}`` dicts it is converted; a row for a layer the report does not have is
        refused.
    matrices : dict name -> (labels, ndarray)
        Labelled square matrices such as layer x layer Wasserstein distances and CKA.
    series : dict
        Values over training steps: ``{"steps": [...], name: {layer: [...]}}``.
    probes : ProbesResult or None
        Probe scores when probes were run (a ``ProbeScores`` or its dict is converted).
    regions : RegionsResult or None
        Activation regions of a ReLU network on a plane through three samples: the
        region label image, the predicted class, the projected samples and the counts
        by layer (see :func:`tda_nn.analyze`).
    notes : list of str
        Things the reader should know (landmarks used, warnings raised).
    findings : list of Finding
        What the numbers say, as typed sentences (:mod:`tda_nn.findings`); dicts
        made by ``Finding.to_dict`` are converted. They head the HTML page.
    views : ViewsResult or None
        A 2-D view of every layer's samples (PCA or UMAP), with labels and class names.
    loops : LoopsResult or None
        The samples along every significant H1 loop of every layer, in loop order, and
        their lifelines across depth.
    symmetry : SymmetryResult or None
        Per-layer invariance and equivariance errors with intervals and orbit fractions
        by action.
    mapper : MapperResult or None
        Mapper graphs of the layers linked across depth (``analyze(..., mapper=True)``);
        ``save`` also writes their interactive page, ``mapper.html``.

    Every typed result also reads as the plain dict earlier versions held
    (``report.regions["method"]``), and plain dicts given here are converted.
    """

    title: str
    config: dict = field(default_factory=dict)
    layers: tuple = ()
    diagrams: dict = field(default_factory=dict)
    table: Table = field(default_factory=Table)
    matrices: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    probes: ProbesResult | None = None
    regions: RegionsResult | None = None
    notes: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    views: ViewsResult | None = None
    loops: LoopsResult | None = None
    symmetry: SymmetryResult | None = None
    mapper: MapperResult | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(str(x) for x in self.layers))
        if self.table and not self.layers:
            raise ValueError("table has rows but the report has no layers; give layers= in model order.")
        names = (self.config or {}).get("names")
        object.__setattr__(self, "table", Table.build(self.table, self.layers,
                                                      names if isinstance(names, list) else None))
        for name, kind in (("probes", ProbesResult), ("views", ViewsResult), ("loops", LoopsResult),
                           ("symmetry", SymmetryResult), ("mapper", MapperResult)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                object.__setattr__(self, name, kind.from_dict(value, name))
        if self.regions is not None and not isinstance(self.regions, RegionsResult):
            object.__setattr__(self, "regions", RegionsResult.from_payload(self.regions))
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
            parts.append(f"{self.regions.full_window_regions} regions on a plane ({self.regions.method})")
        if self.loops:
            parts.append(f"{self.loops.n_loops} loops")
        if self.symmetry:
            parts.append("symmetries: " + ", ".join(self.symmetry.invariance))
        if self.mapper:
            parts.append("Mapper of " + ", ".join(self.mapper.layers))
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
        """A short JSON-safe summary: per-layer table, what in it is exact (``"exact"``), matrices, probe scores."""
        return jsonable(plain({
            "title": self.title,
            "layers": list(self.layers),
            "table": self.table.columns(),
            "exact": exactness(self.table),
            "matrices": {k: {"labels": list(lab), "values": np.asarray(m).tolist()} for k, (lab, m) in self.matrices.items()},
            "probes": None if self.probes is None else self.probes.legacy(),
            "regions": None if not self.regions else {
                k: self.regions[k] for k in ("n_regions", "method", "counts_by_layer", "data_patterns")},
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }))

    def to_pandas(self) -> dict[str, Any]:
        """The report's numbers as pandas DataFrames (needs pandas: ``pip install "tda_nn[pandas]"``).

        Returns
        -------
        dict of str -> pandas.DataFrame
            ``"table"``: one row per layer (index ``layer``, in model order), one column
            per metric (missing values NaN: e.g. the exact-H0 columns of a layer without
            landmarks, whose H0 columns are already those of every sample); each matrix under its own name (``"matrix: <name>"``
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
        cols = [c.name for c in self.table.cells()]
        values = {r: self.table[r].columns() for r in rows}
        table = pd.DataFrame([[values[r].get(c, math.nan) for c in cols] for r in rows],
                             index=pd.Index(rows, name="layer"), columns=cols)
        out["table"] = table
        for name, (labels, m) in self.matrices.items():
            labels = [str(lab) for lab in labels]
            key = name if name not in ("table", "probes") else f"matrix: {name}"
            out[key] = pd.DataFrame(np.asarray(m, dtype=float), index=labels, columns=labels)
        if self.probes:
            p = self.probes
            out["probes"] = pd.DataFrame({"topological": p.topological, "linear": p.linear, "shuffled": p.shuffled},
                                         index=pd.Index(list(p.layers), name="layer"))
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
        return write_body(self)

    # -- figures ----------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """Matplotlib figures of the report, by file stem."""
        from ..plotting.report import report_figures

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

        from ..store import replace_folder

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
            (stage / "report.html").write_text(report_html(self, pngs), encoding="utf-8")
            if self.mapper is not None:
                from ..mapper.html import render

                (stage / "mapper.html").write_text(render(self.mapper.page), encoding="utf-8")
            (stage / "report.json").write_text(json.dumps(body, indent=1, allow_nan=False), encoding="utf-8")

        return replace_folder(out, fill, owned=_owned_by_report(out))

    @classmethod
    def load(cls, directory: str | Path) -> Report:
        """Read a report written by ``save``; a missing or corrupt file raises ``ValueError``.

        Only files inside ``directory`` are read (diagram paths with ``..``, absolute
        paths or symbolic links out are refused); every field of ``report.json`` is
        checked for its type, and a matrix for the shape its labels give, with a
        ``ValueError`` naming the file and the field. A report of schema version 1
        (``"format": "tda_nn.Report/1"``) is read and converted to the typed results;
        any version this tda_nn does not read is refused with a ``ValueError`` naming it
        (:mod:`tda_nn.report.schema`). A table row for a layer the report does not have
        is refused, naming the row and the file.
        """
        from .._files import inside, read_json

        given = Path(directory)
        if not given.exists():
            raise FileNotFoundError(f"directory {str(given)!r} does not exist; give the directory Report.save wrote.")
        path = given / "report.json" if given.is_dir() else given
        root = path.parent
        if not path.exists():
            raise FileNotFoundError(f"no report.json in {str(root)!r}; give the directory Report.save wrote.")
        try:
            body = read_body(unjson(read_json(path, what="report.json")))
            diagrams = {layer: Diagrams.load(inside(root, rel, what=f"diagrams[{layer!r}]"))
                        for layer, rel in body["diagrams"].items()}
            report = cls(title=body["title"], config=body["config"], layers=tuple(body["layers"]),
                         diagrams=diagrams, table=body["table"], matrices=body["matrices"],
                         series=body.get("series") or {}, probes=body["probes"], regions=body["regions"],
                         notes=list(body.get("notes") or []), findings=body["findings"], views=body["views"],
                         loops=body["loops"], symmetry=body["symmetry"], mapper=body.get("mapper"))
        except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile, RecursionError) as exc:
            if isinstance(exc, MemoryError):  # MemoryBudgetError from a diagrams file's declared sizes
                raise
            raise ValueError(f"{str(path)!r} is not a readable tda_nn report ({type(exc).__name__}: {exc}).") from None
        return report


def _safe(name: str) -> str:
    """A layer name as a file name: letters, digits, '_', '.', '-' kept, every other run one '_'."""
    out, gap = [], False
    for ch in name:
        ok = ch.isascii() and (ch.isalnum() or ch in "_.-")
        if ok:
            out.append(ch)
        elif not gap:
            out.append("_")
        gap = not ok
    return "".join(out)[:60] or "layer"


def _owned_by_report(out: Path) -> Any:
    """Which top-level names of a report folder the previous save wrote (replaced by the next save).

    ``report.json``, ``report.html``, ``diagrams/``, the figures the old ``report.json``
    lists (every ``.png`` when it cannot be read) and temporary files of older saves;
    every other entry is the user's (or a stage cache) and is kept.
    """
    figures: set[str] | None = None
    try:
        from .._files import read_json

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
