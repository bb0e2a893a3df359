"""Typed stage results: what each stage of an analysis hands the report, as frozen dataclasses.

* :class:`Table` of :class:`LayerRow` -- the per-layer numbers, with typed columns
  (``row.n_significant[k]``, ``row.threshold[k]``, ``row.longest[k]``, ...);
* :class:`ProbesResult` -- probe scores per layer;
* :class:`RegionsResult` -- activation regions on a plane and on the samples;
* :class:`ViewsResult` -- each layer's samples in 2-D;
* :class:`LoopsResult` (:class:`LoopLayer`, :class:`Loop`) -- the samples along each loop;
* :class:`SymmetryResult` (:class:`SymmetryCurve`, :class:`OrbitResult`) -- invariance,
  equivariance and orbits by action;
* :class:`MapperResult` -- Mapper graphs of the layers and their links, as the page shows them.

Each reads as the plain mapping earlier versions stored (``report.regions["method"]``),
generated from its fields; ``to_dict``/``from_dict`` are the form of the current
``report.json`` schema (:data:`tda_nn.report.SCHEMA_VERSION`).

Room: results floor, its lowest room: ``findings``, ``report`` and ``plotting`` read
these types. Imports numpy and the data floor (``diagrams``); no computation, never
``workflows``, ``cli`` or torch.
"""

from __future__ import annotations

from ._base import Result
from .loops import Loop, LoopLayer, LoopsResult, restored_input
from .mapper import MapperResult
from .probes import ProbesResult
from .regions import RegionsResult, patterns_by_layer
from .symmetry import OrbitResult, SymmetryCurve, SymmetryResult
from .table import EXACT_H0, PER_DIMENSION, SCALARS, Cell, LayerRow, Table, cell_order, column_name
from .views import ViewsResult

__all__ = [
    "EXACT_H0",
    "PER_DIMENSION",
    "SCALARS",
    "Cell",
    "LayerRow",
    "Loop",
    "LoopLayer",
    "LoopsResult",
    "MapperResult",
    "OrbitResult",
    "ProbesResult",
    "RegionsResult",
    "Result",
    "SymmetryCurve",
    "SymmetryResult",
    "Table",
    "ViewsResult",
    "cell_order",
    "column_name",
    "patterns_by_layer",
    "restored_input",
]
