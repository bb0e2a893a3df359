"""``report.json``'s schema: its version, the writer, and the reader that checks every field and refuses the unknown.

Versions:

* **2** (current; ``"schema_version": 2``) -- the table as typed rows
  (:class:`~tda_nn.results.LayerRow`: ``n_significant``, ``threshold``, ... by
  homology dimension, ``per_class``, ``checkpoint``), the regions' patterns on the
  samples by layer as a map (``patterns_by_layer``), and every stage result as its
  typed class's ``to_dict``.
* **1** (``"format": "tda_nn.Report/1"``, no ``schema_version``) -- flat table columns
  (``'n_significant_H1'``, ``'class left: betti_H1@0.5'``) and the stages' plain
  dicts. Read and converted to the typed results; the findings are kept as written.

A version-2 body without ``mapper`` (written before the Mapper section existed) reads as
``mapper=None``; a table row without ``h0_exact_n_points``, ``h0_exact_longest`` or
``h0_exact_total_persistence`` (written before the exact-H0 columns existed, or by either
version) reads them as ``None``: the page then claims nothing exact about that row's H0.

Any other version is refused with a ``ValueError`` naming it.

Room: results floor (``report``). Imports the data floor and ``results``, ``findings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..diagrams import jsonable, plain
from ..findings import Finding
from ..results import LoopsResult, MapperResult, ProbesResult, RegionsResult, SymmetryResult, Table, ViewsResult

__all__ = ["FORMAT", "READABLE", "SCHEMA_VERSION", "read_body", "schema_version", "write_body"]

SCHEMA_VERSION = 2
READABLE = (1, 2)
FORMAT = "tda_nn.Report"
_FORMAT_V1 = "tda_nn.Report/1"

_FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "config": (dict,), "layers": (list,), "diagrams": (dict,), "table": (dict,),
    "matrices": (dict,), "series": (dict, type(None)), "probes": (dict, type(None)),
    "regions": (dict, type(None)), "notes": (list, type(None)),
    "findings": (list, type(None)), "views": (dict, type(None)), "loops": (dict, type(None)),
    "symmetry": (dict, type(None)), "mapper": (dict, type(None)),
}


def write_body(report: Any) -> dict[str, Any]:
    """The JSON body of ``report`` in the current schema (diagram paths and figures are added by ``save``)."""

    def typed(v: Any) -> Any:
        return None if v is None else v.to_dict()

    return jsonable(plain({
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "title": report.title,
        "config": report.config,
        "layers": list(report.layers),
        "table": report.table.to_dict(),
        "matrices": {k: {"labels": list(lab), "values": np.asarray(m).tolist()}
                     for k, (lab, m) in report.matrices.items()},
        "series": report.series,
        "probes": typed(report.probes),
        "regions": typed(report.regions),
        "notes": list(report.notes),
        "findings": [f.to_dict() for f in report.findings],
        "views": typed(report.views),
        "loops": typed(report.loops),
        "symmetry": typed(report.symmetry),
        "mapper": typed(report.mapper),
    }))


def schema_version(body: Any) -> int:
    """The schema version a ``report.json`` body declares; ``ValueError`` for one this version cannot read.

    Raises
    ------
    ValueError
        Not a report body, an unknown format, or a version outside :data:`READABLE`
        (the message names the version found and the versions this tda_nn reads).
    """
    if not isinstance(body, dict):
        raise ValueError(f"the top level must be a JSON object, got {type(body).__name__}")
    if "schema_version" in body:
        v = body["schema_version"]
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"field 'schema_version' must be an integer, got {v!r}")
        if body.get("format") != FORMAT:
            raise ValueError(f"field 'format' is {body.get('format')!r}, expected {FORMAT!r}")
        if v not in READABLE:
            newer = v > SCHEMA_VERSION
            raise ValueError(
                f"it was written with report schema version {v}, which this tda_nn does not read (it reads versions "
                f"{', '.join(map(str, READABLE))})" + ("; upgrade tda_nn to read it" if newer else ""))
        return v
    if body.get("format") == _FORMAT_V1:
        return 1
    raise ValueError(f"field 'format' is {body.get('format')!r}, expected {FORMAT!r} with a 'schema_version' "
                     f"(or {_FORMAT_V1!r}, schema version 1)")


def read_body(body: Any) -> dict[str, Any]:
    """``report.json``'s fields, type-checked and converted to the typed results, from any readable version.

    Raises
    ------
    ValueError
        A version this tda_nn does not read, or a field of the wrong type or shape
        (the message names the field).
    """
    version = schema_version(body)
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
    out = dict(body, version=version, matrices=_matrices(body["matrices"]),
               findings=[Finding.from_dict(f) for f in body.get("findings") or []])
    if version == 1:
        names = body["config"].get("names")
        out["table"] = Table.build(body["table"], body["layers"], names if isinstance(names, list) else None,
                                   where="field 'table'")
        out["regions"] = None if body.get("regions") is None else RegionsResult.from_payload(body["regions"])
    else:
        out["table"] = Table.from_dict(body["table"])
        out["regions"] = None if body.get("regions") is None else RegionsResult.from_dict(body["regions"])
    out["probes"] = None if body.get("probes") is None else ProbesResult.from_dict(body["probes"])
    out["views"] = None if body.get("views") is None else ViewsResult.from_dict(body["views"])
    out["loops"] = None if body.get("loops") is None else LoopsResult.from_dict(body["loops"])
    out["symmetry"] = None if body.get("symmetry") is None else SymmetryResult.from_dict(body["symmetry"])
    out["mapper"] = None if body.get("mapper") is None else MapperResult.from_dict(body["mapper"])
    return out


def _matrices(raw: Mapping[str, Any]) -> dict[str, tuple[tuple, np.ndarray]]:
    matrices = {}
    for name, m in raw.items():
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
    return matrices
