"""Activation regions on a plane through three samples, and distinct patterns on the samples: :class:`RegionsResult`.

Room: results floor (``results``). Imports numpy and its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Record, number

__all__ = ["RegionsResult", "patterns_by_layer"]

_PER_LAYER = "patterns/"  # region_counts' key of the patterns of the layers up to one layer


def patterns_by_layer(data_patterns: Mapping[str, Any]) -> dict[str, Any]:
    """``{layer: count}`` from :func:`tda_nn.region_counts`'s ``'patterns/<layer>'`` keys (the one reader of them)."""
    return {k[len(_PER_LAYER):]: v for k, v in data_patterns.items() if k.startswith(_PER_LAYER)}


@dataclass(frozen=True, eq=False, repr=False)
class RegionsResult(Record):
    """Linear regions of a piecewise-linear network, counted on a plane and on the samples.

    Attributes
    ----------
    method : {'exact', 'grid'}
        How the whole window was counted; ``lower_bound`` is True for the grid.
    lower_bound : bool
    method_note : str or None
        Why the exact method was not used.
    labels, predicted : ndarray of int, shape (resolution, resolution)
        The grid view: region label and predicted class per grid point.
    extent : ndarray of shape (4,)
        ``(s0, s1, t0, t1)`` of the grid view, in input units along ``u`` and ``v``.
    n_regions : int
        Distinct patterns in the grid view.
    counts_by_layer : dict of str -> int
        The grid view's count by depth (the layers up to each one).
    anchors : ndarray of shape (3, 2) or None
        The three samples spanning the plane, in plane coordinates.
    anchor_indices : ndarray of int
    points : ndarray of shape (n, 2)
        Up to 300 samples projected onto the plane; ``point_labels`` their labels.
    point_labels : list or None
    patterns : float or None
        Distinct activation patterns on the samples (all layers); ``patterns_fraction``
        that over the number of samples.
    patterns_fraction : float or None
    patterns_by_layer : dict of str -> float
        Distinct patterns on the samples of the layers up to each one.
    resolution : int
    zoom : float
        How far the grid view zooms on one sample (1: the whole window).
    full_window_regions : int
    full_window_counts_by_layer : dict of str -> int
        The whole window's count, and by depth (exact, or a grid lower bound).
    methods : dict of str -> str
        The method behind each number.
    polygons : list of ndarray of shape (k, 2), or None
        The exact partition's regions (exact method only), with ``tol``.
    tol : float or None
    """

    method: str
    lower_bound: bool
    method_note: str | None
    labels: np.ndarray
    predicted: np.ndarray
    extent: np.ndarray
    n_regions: int
    counts_by_layer: dict
    anchors: np.ndarray | None
    anchor_indices: np.ndarray
    points: np.ndarray
    point_labels: list | None
    patterns: float | None
    patterns_fraction: float | None
    patterns_by_layer: dict
    resolution: int
    zoom: float
    full_window_regions: int
    full_window_counts_by_layer: dict
    methods: dict
    polygons: list | None = None
    tol: float | None = None

    _SPEC = (("method", "str", "required"), ("lower_bound", "bool", "required"), ("method_note", "str", "null"),
             ("labels", "intarray", "required"), ("predicted", "intarray", "required"),
             ("extent", "array", "required"), ("n_regions", "int", "required"),
             ("counts_by_layer", "counts", "required"), ("anchors", "array", "null"),
             ("anchor_indices", "intarray", "required"), ("points", "array", "required"),
             ("point_labels", "json", "null"), ("patterns", "number", "null"),
             ("patterns_fraction", "number", "null"), ("patterns_by_layer", "counts", "required"),
             ("resolution", "int", "required"), ("zoom", "number", "required"),
             ("full_window_regions", "int", "required"), ("full_window_counts_by_layer", "counts", "required"),
             ("methods", "names", "required"), ("polygons", "json", "omit"), ("tol", "number", "omit"))

    def __repr__(self) -> str:
        return (f"RegionsResult({self.full_window_regions} regions on the plane ({self.method}), "
                f"{len(self.patterns_by_layer)} layers)")

    @property
    def exact(self) -> bool:
        return self.method == "exact"

    def data_patterns(self) -> dict[str, float]:
        """The patterns on the samples keyed as :func:`tda_nn.region_counts` keys them."""
        out: dict[str, float] = {}
        if self.patterns is not None:
            out["patterns"] = self.patterns
        if self.patterns_fraction is not None:
            out["patterns_fraction"] = self.patterns_fraction
        out.update({f"{_PER_LAYER}{k}": v for k, v in self.patterns_by_layer.items()})
        return out

    def legacy(self) -> dict[str, Any]:
        """The plain dict of earlier versions (``data_patterns`` keyed ``'patterns/<layer>'``)."""
        d = self.to_dict()
        order = ("method", "lower_bound", "method_note", "labels", "predicted", "extent", "n_regions",
                 "counts_by_layer", "anchors", "anchor_indices", "points", "point_labels")
        out = {k: d[k] for k in order}
        out["data_patterns"] = self.data_patterns()
        out.update({k: d[k] for k in ("resolution", "zoom", "full_window_regions", "full_window_counts_by_layer",
                                      "methods")})
        out.update({k: d[k] for k in ("polygons", "tol") if k in d})
        return out

    @classmethod
    def from_payload(cls, d: Any, where: str = "regions") -> RegionsResult:
        """From the regions stage's plain dict (and schema-1 reports): ``data_patterns`` read by its keys."""
        if isinstance(d, RegionsResult):
            return d
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        if "data_patterns" not in d:
            return cls.from_dict(d, where)
        counts = d.get("data_patterns") or {}
        if not isinstance(counts, Mapping):
            raise ValueError(f"{where} field 'data_patterns' must be an object")
        by_layer = patterns_by_layer(counts)
        body = {k: v for k, v in d.items() if k != "data_patterns"}
        body.update(patterns=counts.get("patterns"), patterns_fraction=counts.get("patterns_fraction"),
                    patterns_by_layer=by_layer)
        if body.get("anchor_indices") is None:
            body["anchor_indices"] = []
        return cls.from_dict(body, where)

    @classmethod
    def from_dict(cls, d: Any, where: str = "regions") -> RegionsResult:
        kw = cls.fields_from(d, where)
        if kw["labels"].ndim != 2 or kw["labels"].shape != kw["predicted"].shape:
            raise ValueError(f"{where}: 'labels' and 'predicted' must be grids of the same shape, got "
                             f"{kw['labels'].shape} and {kw['predicted'].shape}")
        if kw["extent"].shape != (4,):
            raise ValueError(f"{where}: 'extent' must hold 4 numbers, got shape {kw['extent'].shape}")
        kw["points"] = kw["points"].reshape(-1, 2)
        number(kw["zoom"], f"{where} field 'zoom'")
        return cls(**kw)
