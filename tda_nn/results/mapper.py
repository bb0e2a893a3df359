"""Mapper graphs of the layers, linked through depth, as the page shows them: :class:`MapperResult`.

Room: results floor (``results``). Imports its siblings only; the page data is the JSON
that :func:`tda_nn.mapper.html.page_data` makes (and :func:`tda_nn.mapper.html.render` draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._base import Result, need

__all__ = ["MapperResult"]

_PAGE = "tda_nn.MapperPage/1"


@dataclass(frozen=True, eq=False)
class MapperResult(Result):
    """The Mapper section of a report.

    Attributes
    ----------
    page : dict
        The page data: ``layers`` (each with ``name``, ``nodes`` (``members``, ``x``, ``y``,
        ``cube``), ``edges`` ([i, j, shared]) and ``summary``), ``links`` ([a, b, count] per
        consecutive pair), ``labels``, ``summaries`` (purity, entropy, components, loops per
        layer), ``events`` (splits, rejoins, sits-with) and ``findings`` (their sentences).
    """

    page: dict

    def __repr__(self) -> str:
        return f"MapperResult({', '.join(self.layers)})"

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(str(L["name"]) for L in self.page["layers"])

    @property
    def summaries(self) -> list[dict]:
        return list(self.page.get("summaries") or [])

    @property
    def events(self) -> list[dict]:
        return list(self.page.get("events") or [])

    @property
    def sentences(self) -> list[str]:
        return list(self.page.get("findings") or [])

    def to_dict(self) -> dict[str, Any]:
        return dict(self.page)

    @classmethod
    def from_dict(cls, d: Any, where: str = "mapper") -> MapperResult:
        if isinstance(d, MapperResult):
            return d
        if not isinstance(d, dict):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        if d.get("format") != _PAGE:
            raise ValueError(f"{where}: field 'format' is {d.get('format')!r}, expected {_PAGE!r}")
        layers = need(d, "layers", (list,), where)
        need(d, "links", (list,), where)
        need(d, "n_samples", (int,), where)
        for i, L in enumerate(layers):
            w = f"{where}: layers[{i}]"
            if not isinstance(L, dict):
                raise ValueError(f"{w} must be an object")
            need(L, "name", (str,), w)
            for j, node in enumerate(need(L, "nodes", (list,), w)):
                if not isinstance(node, dict) or not isinstance(node.get("members"), list):
                    raise ValueError(f"{w}: nodes[{j}] must be an object with a list 'members'")
            need(L, "edges", (list,), w)
        if len(d["links"]) != max(0, len(layers) - 1):
            raise ValueError(f"{where}: 'links' must hold one table per consecutive pair of layers "
                             f"({max(0, len(layers) - 1)}), got {len(d['links'])}")
        return cls(dict(d))
