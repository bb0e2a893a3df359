"""The base of every typed stage result: a frozen dataclass that is also a read-only mapping.

A result's fields are its typed API (``report.regions.method``). For code written
against the plain dicts of earlier versions, a result also reads as the mapping
it used to be (``report.regions["method"]``): :meth:`Result.legacy` generates it
from the fields, so the two never disagree. ``to_dict`` is the form written to
``report.json`` (the current schema) and ``from_dict`` reads it back, checking
every field's type with a ``ValueError`` naming it.

Room: results floor (``results``). Imports numpy and the data floor (``diagrams``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

import numpy as np

from ..diagrams import jsonable, plain

__all__ = ["Result"]


class Result(Mapping):
    """Mixin of the typed results: equality on the JSON form (NaN equals NaN) and a read-only mapping view."""

    __hash__ = None  # type: ignore[assignment]  # results hold arrays and dicts

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def legacy(self) -> dict[str, Any]:
        """The plain mapping earlier versions stored (the same as :meth:`to_dict` unless the class says otherwise)."""
        return self.to_dict()

    @cached_property
    def _view(self) -> dict[str, Any]:
        return self.legacy()

    def __getitem__(self, key: str) -> Any:
        return self._view[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._view)

    def __len__(self) -> int:
        return len(self._view)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Result):
            if type(other) is not type(self):
                return False
            return jsonable(plain(self.to_dict())) == jsonable(plain(other.to_dict()))
        if isinstance(other, Mapping):
            return jsonable(plain(self._view)) == jsonable(plain(other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq


# -- field checks shared by the from_dict readers ------------------------------------------------------------
_KIND = {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number",
         bool: "true or false"}


def need(d: Mapping[str, Any], key: str, types: tuple[type, ...], where: str, *, optional: bool = False) -> Any:
    """``d[key]`` checked against ``types`` (``None`` allowed when ``optional``), else ``ValueError`` naming it."""
    if key not in d or d[key] is None:
        if optional:
            return None
        raise ValueError(f"{where}: field {key!r} is missing")
    v = d[key]
    if float in types and isinstance(v, int) and not isinstance(v, bool):
        return v
    if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
        want = " or ".join(_KIND.get(t, t.__name__) for t in types)
        raise ValueError(f"{where}: field {key!r} must be {want}, got {type(v).__name__}")
    return v


def number(v: Any, where: str) -> int | float:
    """A JSON number (int or float, NaN and inf allowed), else ``ValueError`` naming ``where``."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValueError(f"{where} must be a number, got {type(v).__name__}")
    return plain(v)


def floats(v: Any, where: str, *, ndim: int | None = None) -> np.ndarray:
    """An array of float64 from nested lists, else ``ValueError`` naming ``where``."""
    try:
        a = np.asarray([math.nan if x is None else x for x in v] if isinstance(v, list) and ndim == 1 else v,
                       dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be an array of numbers") from None
    if ndim is not None and a.ndim != ndim and a.size:
        raise ValueError(f"{where} must have {ndim} dimension(s), got shape {a.shape}")
    return a


def strings(v: Any, where: str) -> tuple[str, ...]:
    if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"{where} must be a list of strings")
    return tuple(v)


# -- records: results declared as (field, kind) pairs ---------------------------------------------------------
def _read(kind: str, v: Any, where: str) -> Any:
    if kind == "str":
        if not isinstance(v, str):
            raise ValueError(f"{where} must be a string, got {type(v).__name__}")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"{where} must be true or false, got {type(v).__name__}")
        return v
    if kind in ("int", "float", "number"):
        v = number(v, where)
        if kind == "int" and not isinstance(v, int):
            raise ValueError(f"{where} must be an integer, got {v!r}")
        return float(v) if kind == "float" else v
    if kind == "array":
        return floats(v, where)
    if kind == "intarray":
        a = floats(v, where)
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError(f"{where} must be an array of integers")
        return a.astype(np.int64)
    if kind == "strs":
        return strings(v, where)
    if kind == "counts":
        if not isinstance(v, Mapping):
            raise ValueError(f"{where} must be an object of name -> number, got {type(v).__name__}")
        return {str(k): number(x, f"{where}[{k!r}]") for k, x in v.items()}
    if kind == "names":
        if not isinstance(v, Mapping) or not all(isinstance(x, str) for x in v.values()):
            raise ValueError(f"{where} must be an object of name -> string")
        return {str(k): x for k, x in v.items()}
    if kind == "json":
        return plain(v)
    raise AssertionError(kind)


def _write(kind: str, v: Any) -> Any:
    if kind in ("array", "intarray"):
        return np.asarray(v).tolist()
    if kind == "strs":
        return list(v)
    if kind in ("counts", "names"):
        return dict(v)
    return v


class Record(Result):
    """A result declared by ``_SPEC``: ``(field, kind, presence)`` triples, read and written generically.

    ``presence``: ``'required'``, ``'null'`` (may be None, written as null) or
    ``'omit'`` (may be None, left out of the dict when None).
    """

    _SPEC: tuple[tuple[str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for name, kind, presence in self._SPEC:
            v = getattr(self, name)
            if v is None:
                if presence == "omit":
                    continue
                out[name] = None
            else:
                out[name] = _write(kind, v)
        return out

    @classmethod
    def fields_from(cls, d: Any, where: str) -> dict[str, Any]:
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        kw = {}
        for name, kind, presence in cls._SPEC:
            v = d.get(name)
            if v is None:
                if presence == "required":
                    raise ValueError(f"{where}: field {name!r} is missing")
                kw[name] = None
            else:
                kw[name] = _read(kind, v, f"{where} field {name!r}")
        return kw

    @classmethod
    def from_dict(cls, d: Any, where: str = "result") -> Record:
        return cls(**cls.fields_from(d, where))
