"""The per-layer table as typed rows: :class:`LayerRow` (one layer, or one layer of one checkpoint) and :class:`Table`.

A row's numbers are fields: scalars (``n_points``, ``landmark_bound``, ...) and,
per homology dimension ``k``, ``n_significant[k]``, ``threshold[k]``,
``longest[k]``, ``total_persistence[k]``, ``entropy[k]`` and ``betti[k][scale]``;
``per_class[name]`` holds the same for the samples of one class. Lengths are in
units of the layer's median pairwise distance (see :mod:`tda_nn.diagnostics.layers`).

When a layer's diagrams ran on landmarks, its H0 also ran exactly on every sample
(a float64 minimum spanning tree): ``h0_exact_n_points``, ``h0_exact_longest`` and
``h0_exact_total_persistence`` hold it, apart from the landmarks' ``longest[0]`` and
``total_persistence[0]``. Without landmarks they are ``None``: the H0 numbers of the
row are then already those of every sample, and are not repeated.

The flat column names of earlier versions (``'n_significant_H1'``,
``'betti_H1@0.5'``, ``'class left: n_significant_H0'``) are *generated* from the
fields (:meth:`LayerRow.columns`, also the row's mapping view, so
``report.table["conv2"]["n_significant_H1"]`` keeps working), and read in one
place, :meth:`LayerRow.from_columns`, for tables made as plain dicts and reports
of schema version 1; that reader splits a name on the declared quantity names,
never with a regular expression.

Room: results floor (``results``). Imports numpy and the data floor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..diagrams import plain
from ._base import Result, need, number

__all__ = ["EXACT_H0", "PER_DIMENSION", "SCALARS", "Cell", "LayerRow", "Table", "cell_order", "column_name"]

#: scalar columns, in the order the table shows them, with the type each holds
SCALARS: dict[str, type] = {"n_points": int, "n_features": int, "landmark_bound": float, "band": float,
                            "covering_radius_rel": float, "intrinsic_dim": float, "median_distance": float,
                            "h0_exact_n_points": int, "h0_exact_longest": float, "h0_exact_total_persistence": float}
#: the scalars of H0 computed exactly on every sample (shown with the H0 columns)
EXACT_H0 = ("h0_exact_n_points", "h0_exact_longest", "h0_exact_total_persistence")
#: per-dimension quantities (``<name>_H<k>`` in the flat columns)
PER_DIMENSION: dict[str, type] = {"n_significant": int, "p": float, "n_tests": int, "threshold": float,
                                  "longest": float, "total_persistence": float, "entropy": float}
_CLASS = "class "


class Cell(NamedTuple):
    """One number of a row with what it is: the column name is generated from the other fields, never parsed."""

    name: str
    quantity: str
    k: int | None
    scale: str | None
    klass: str | None
    value: Any


def column_name(quantity: str, k: int | None = None, scale: str | None = None, klass: str | None = None) -> str:
    """The flat column name of a quantity: ``column_name('betti', 1, '0.5') == 'betti_H1@0.5'``."""
    name = quantity if k is None else f"{quantity}_H{k}" + ("" if scale is None else f"@{scale}")
    return name if klass is None else f"{_CLASS}{klass}: {name}"


def _split(col: str) -> tuple[str, int | None, str | None]:
    """``(quantity, k, scale)`` of a flat column name, by the declared quantity names (else ``(col, None, None)``)."""
    base, at, scale = col.partition("@")
    head, sep, k = base.rpartition("_H")
    if sep and k.isdigit() and not (k.startswith("0") and len(k) > 1):
        if head in PER_DIMENSION and not at:
            return head, int(k), None
        if head == "betti" and at and scale:
            return head, int(k), scale
    return col, None, None


_ORDER = ("n_points", "n_features", "median_distance", "landmark_bound", "covering_radius_rel", "band",
          "n_significant", "p", "n_tests", "threshold", "longest", "total_persistence", *EXACT_H0, "betti", "entropy",
          "intrinsic_dim")


def cell_order(c: Cell) -> tuple[int, int, str]:
    """The order the report shows columns in: scale first, then the per-dimension quantities, per class last.

    The exact-H0 scalars follow the H0 lengths of the landmarks (``total_persistence_H0``).
    """
    if c.klass is not None:
        rank = len(_ORDER)
    else:
        rank = _ORDER.index(c.quantity) if c.quantity in _ORDER else len(_ORDER) + 1
    return (rank, 0 if c.quantity in EXACT_H0 else -1 if c.k is None else c.k, c.name)


def _by_dim(d: Any, kind: type, where: str) -> dict[int, Any]:
    if not isinstance(d, Mapping):
        raise ValueError(f"{where} must be an object of homology dimension -> value, got {type(d).__name__}")
    out = {}
    for k, v in d.items():
        if not (isinstance(k, int) or (isinstance(k, str) and k.isdigit())):
            raise ValueError(f"{where} has the key {k!r}, not a homology dimension")
        v = number(v, f"{where}[{k!r}]")
        if kind is int and not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
            raise ValueError(f"{where}[{k!r}] must be a count, got {v!r}")
        out[int(k)] = v
    return dict(sorted(out.items()))


@dataclass(frozen=True, eq=False, repr=False)
class LayerRow(Result):
    """The numbers of one layer (of one checkpoint), typed; reads as the flat columns of earlier versions.

    Attributes
    ----------
    layer : str
    checkpoint : str or None
        The checkpoint the row describes in a comparison, else ``None``.
    n_points, n_features : int or None
        Points in the filtration (landmarks when the layer had more samples); numbers per sample.
    landmark_bound, band, covering_radius_rel, intrinsic_dim, median_distance : float or None
        Twice the landmarks' covering radius; the confidence band's radius; the
        covering radius; the TwoNN dimension; the layer's median pairwise distance
        (the unit of every length, in the layer's own units).
    h0_exact_n_points : int or None
        When the diagrams ran on landmarks: the samples H0 also ran on, exactly (all of
        them; a float64 minimum spanning tree). ``None`` without landmarks (the row's H0
        numbers are then those of every sample) and in reports written before it existed.
    h0_exact_longest, h0_exact_total_persistence : float or None
        That exact H0: its longest finite bar (the tree's longest edge) and the sum of its
        finite lifetimes (the tree's length); ``None`` as ``h0_exact_n_points``.
    n_significant, p, n_tests, threshold, longest, total_persistence, entropy : dict of int -> number
        Per homology dimension: significant bars; the smallest adjusted p-value of the
        universal test and the number of bars (H0: cluster merges) it was corrected over
        (absent for the band methods); what a bar must exceed (the ratio death / birth
        for the universal test, the lifetime for the band); the longest finite bar, the
        sum of the finite lifetimes, the persistent entropy.
    betti : dict of int -> dict of str -> int
        Betti numbers per dimension at the scales named by their labels.
    per_class : dict of str -> LayerRow
        The same numbers for the samples of one class.
    other : dict of str -> number
        Columns outside this schema, kept by name.
    """

    layer: str
    checkpoint: str | None = None
    n_points: int | None = None
    n_features: int | None = None
    landmark_bound: float | None = None
    band: float | None = None
    covering_radius_rel: float | None = None
    intrinsic_dim: float | None = None
    median_distance: float | None = None
    h0_exact_n_points: int | None = None
    h0_exact_longest: float | None = None
    h0_exact_total_persistence: float | None = None
    n_significant: Mapping[int, int] = field(default_factory=dict)
    p: Mapping[int, float] = field(default_factory=dict)
    n_tests: Mapping[int, int] = field(default_factory=dict)
    threshold: Mapping[int, float] = field(default_factory=dict)
    longest: Mapping[int, float] = field(default_factory=dict)
    total_persistence: Mapping[int, float] = field(default_factory=dict)
    entropy: Mapping[int, float] = field(default_factory=dict)
    betti: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    per_class: Mapping[str, LayerRow] = field(default_factory=dict)
    other: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The row's key in the table: the layer, or ``'<checkpoint>:<layer>'``."""
        return self.layer if self.checkpoint is None else f"{self.checkpoint}:{self.layer}"

    @property
    def dims(self) -> tuple[int, ...]:
        """The homology dimensions the row has numbers for."""
        found = {k for q in PER_DIMENSION for k in getattr(self, q)} | set(self.betti)
        return tuple(sorted(found))

    def __repr__(self) -> str:
        sig = ", ".join(f"H{k}: {v}" for k, v in self.n_significant.items())
        return f"LayerRow({self.key!r}" + (f"; significant {sig}" if sig else "") + ")"

    # -- the flat columns ----------------------------------------------------------------------------------
    def cells(self, *, klass: str | None = None) -> list[Cell]:
        """Every number of the row with its quantity, dimension, scale and class (the per-class rows last)."""

        def cell(q: str, v: Any, k: int | None = None, s: str | None = None) -> Cell:
            return Cell(column_name(q, k, s, klass), q, k, s, klass, v)

        out = [cell(name, getattr(self, name)) for name in ("n_points", "n_features", "landmark_bound", "band",
                                                            "covering_radius_rel") if getattr(self, name) is not None]
        for k in self.dims:
            out += [cell(q, getattr(self, q)[k], k) for q in PER_DIMENSION if k in getattr(self, q)]
            out += [cell("betti", v, k, s) for s, v in self.betti.get(k, {}).items()]
        out += [cell(name, getattr(self, name)) for name in EXACT_H0 if getattr(self, name) is not None]
        out += [cell(name, getattr(self, name)) for name in ("intrinsic_dim", "median_distance")
                if getattr(self, name) is not None]
        out += [cell(name, v) for name, v in self.other.items()]
        for c, sub in self.per_class.items():
            out += sub.cells(klass=c)
        return out

    def columns(self, *, klass: str | None = None) -> dict[str, Any]:
        """The row as the flat ``column -> number`` dict of earlier versions (also its mapping view)."""
        return {c.name: c.value for c in self.cells(klass=klass)}

    def legacy(self) -> dict[str, Any]:
        return self.columns()

    @classmethod
    def from_columns(cls, layer: str, columns: Mapping[str, Any], *, checkpoint: str | None = None,
                     where: str = "table") -> LayerRow:
        """A row from flat columns (a table made as plain dicts, or a schema-1 report): the one reader of names.

        Raises
        ------
        ValueError
            A value that is not a number, or a count that is not whole (the message names the column).
        """
        if isinstance(columns, LayerRow):
            return columns
        if not isinstance(columns, Mapping):
            raise ValueError(f"{where}[{layer!r}] must be an object of column -> number, got {type(columns).__name__}")
        kw: dict[str, Any] = {q: {} for q in PER_DIMENSION}
        kw.update(betti={}, other={})
        classes: dict[str, dict[str, Any]] = {}
        for col, v in columns.items():
            col = str(col)
            if col.startswith(_CLASS) and ": " in col:
                name, _, rest = col[len(_CLASS):].rpartition(": ")
                classes.setdefault(name, {})[rest] = v
                continue
            v = number(plain(v), f"{where}[{layer!r}][{col!r}]")
            q, k, scale = _split(col)
            if col in SCALARS:
                kw[col] = v
            elif k is None:
                kw["other"][col] = v
            elif scale is None:
                kw[q][k] = v
            else:
                kw["betti"].setdefault(k, {})[scale] = v
        kw["per_class"] = {c: cls.from_columns(layer, cols, where=f"{where}[{layer!r}] class {c!r}")
                           for c, cols in classes.items()}
        return cls(layer=str(layer), checkpoint=checkpoint, **kw)

    # -- the current schema --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"layer": self.layer, "checkpoint": self.checkpoint}
        out.update({name: getattr(self, name) for name in SCALARS})
        out.update({q: {str(k): v for k, v in getattr(self, q).items()} for q in PER_DIMENSION})
        out["betti"] = {str(k): dict(v) for k, v in self.betti.items()}
        out["per_class"] = {c: sub.to_dict() for c, sub in self.per_class.items()}
        out["other"] = dict(self.other)
        return out

    @classmethod
    def from_dict(cls, d: Any, where: str = "table row") -> LayerRow:
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        kw: dict[str, Any] = {"layer": need(d, "layer", (str,), where),
                              "checkpoint": need(d, "checkpoint", (str,), where, optional=True)}
        for name, kind in SCALARS.items():
            v = need(d, name, (int, float) if kind is float else (int,), where, optional=True)
            kw[name] = v
        for q, kind in PER_DIMENSION.items():
            kw[q] = _by_dim(d.get(q) or {}, kind, f"{where} field {q!r}")
        betti = d.get("betti") or {}
        if not isinstance(betti, Mapping):
            raise ValueError(f"{where} field 'betti' must be an object")
        kw["betti"] = {k: {str(s): number(c, f"{where} betti[{k!r}][{s!r}]") for s, c in scales.items()}
                       for k, scales in _by_dim_maps(betti, f"{where} field 'betti'").items()}
        per_class = d.get("per_class") or {}
        if not isinstance(per_class, Mapping):
            raise ValueError(f"{where} field 'per_class' must be an object")
        kw["per_class"] = {str(c): cls.from_dict(sub, f"{where} class {c!r}") for c, sub in per_class.items()}
        other = d.get("other") or {}
        if not isinstance(other, Mapping):
            raise ValueError(f"{where} field 'other' must be an object")
        kw["other"] = {str(c): number(v, f"{where} other[{c!r}]") for c, v in other.items()}
        return cls(**kw)


def _by_dim_maps(d: Mapping[str, Any], where: str) -> dict[int, Mapping[str, Any]]:
    out = {}
    for k, v in d.items():
        if not (isinstance(k, str) and k.isdigit()) or not isinstance(v, Mapping):
            raise ValueError(f"{where} must map a homology dimension to an object of scale -> count, got {k!r}")
        out[int(k)] = v
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Table(Result):
    """The per-layer table: rows in model order, keyed by :attr:`LayerRow.key`; a read-only mapping of rows.

    ``table["conv2"]`` is a :class:`LayerRow`, which reads as its flat columns
    (``table["conv2"]["n_significant_H1"]``) and holds them typed
    (``table["conv2"].n_significant[1]``).
    """

    rows: tuple[LayerRow, ...] = ()

    def __post_init__(self) -> None:
        keys = [r.key for r in self.rows]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"table has two rows for {dup!r}")

    def legacy(self) -> dict[str, Any]:
        return {r.key: r for r in self.rows}

    def __iter__(self) -> Iterator[str]:
        return (r.key for r in self.rows)

    def __repr__(self) -> str:
        more = ", ..." if len(self.rows) > 6 else ""
        return f"Table({len(self.rows)} rows: {', '.join(r.key for r in self.rows[:6])}{more})"

    def to_dict(self) -> dict[str, Any]:
        return {r.key: r.to_dict() for r in self.rows}

    def columns(self) -> dict[str, dict[str, Any]]:
        """The table as ``{key: {column: number}}``, the plain dicts of earlier versions."""
        return {r.key: r.columns() for r in self.rows}

    def cells(self) -> list[Cell]:
        """One :class:`Cell` per column of the table (its value: the first row's), in :func:`cell_order`."""
        seen: dict[str, Cell] = {}
        for r in self.rows:
            for c in r.cells():
                seen.setdefault(c.name, c)
        return sorted(seen.values(), key=cell_order)

    @property
    def dims(self) -> tuple[int, ...]:
        """The homology dimensions some row has numbers for."""
        return tuple(sorted({k for r in self.rows for k in r.dims}))

    @classmethod
    def from_dict(cls, d: Any, where: str = "table") -> Table:
        if not isinstance(d, Mapping):
            raise ValueError(f"field {where!r} must be object, got {type(d).__name__}")
        rows = []
        for key, body in d.items():
            row = LayerRow.from_dict(body, f"field {where!r}[{key!r}]")
            if row.key != key:
                raise ValueError(f"field {where!r}[{key!r}] describes {row.key!r}")
            rows.append(row)
        return cls(tuple(rows))

    @classmethod
    def build(cls, table: Any, layers: Sequence[str] = (), checkpoints: Sequence[str] | None = None, *,
              where: str = "table") -> Table:
        """A table from rows, or from ``{key: columns}`` plain dicts, every row checked against ``layers``.

        A key must be one of ``layers``, or ``'<checkpoint>:<layer>'`` with ``<layer>``
        one of ``layers`` (and ``<checkpoint>`` one of ``checkpoints`` when given).
        With no ``layers``, keys are taken as layers unchecked (a table made by hand).

        Raises
        ------
        ValueError
            A row for a layer the report does not have (the message names it and the layers).
        """
        if isinstance(table, Table):
            rows = list(table.rows)
        elif isinstance(table, Mapping):
            rows = [_row(str(key), cols, layers, checkpoints, where) for key, cols in table.items()]
        else:
            raise TypeError(f"{where} must be a dict of layer -> row, got {type(table).__name__}")
        if layers:
            known = set(layers)
            for r in rows:
                if r.layer not in known:
                    raise ValueError(f"{where} has a row for layer {r.key!r}, which the report does not have "
                                     f"(its layers: {list(layers)})")
        return cls(tuple(rows))


def _row(key: str, cols: Any, layers: Sequence[str], checkpoints: Sequence[str] | None, where: str) -> LayerRow:
    if isinstance(cols, LayerRow):
        return cols
    if not layers or key in layers:
        return LayerRow.from_columns(key, cols, where=where)
    names = list(checkpoints) if checkpoints else None
    for layer in layers:
        suffix = f":{layer}"
        if key.endswith(suffix) and len(key) > len(suffix):
            ckpt = key[: -len(suffix)]
            if names is None or ckpt in names:
                return LayerRow.from_columns(layer, cols, checkpoint=ckpt, where=where)
    raise ValueError(f"{where} has a row for layer {key!r}, which the report does not have (its layers: "
                     f"{list(layers)}" + (f"; checkpoints: {names}" if names else "") + ")")
