"""The series stage of ``compare_checkpoints`` and ``track``: the checkpoints' tables, diagrams, matrices and series.

``compare``: every checkpoint's table and diagrams keyed ``'<name>:<layer>'``, and per
layer a checkpoint x checkpoint matrix of the diagram distance and of linear CKA
(:func:`~tda_nn.workflows.stages.comparison.checkpoint_matrices`). ``track``: per
quantity and layer, one value per checkpoint (Betti numbers at the middle relative
scale, total persistence, TwoNN, the distance to the previous checkpoint, activation
patterns), every checkpoint's diagrams, and the last checkpoint's table.

Floor: application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import tables
from ..runner import Context, Stage
from .checkpoints import series_of
from .comparison import checkpoint_matrices

__all__ = ["COMPARE_STAGE", "SeriesResult", "TRACK_STAGE"]


@dataclass(frozen=True)
class SeriesResult:
    """What a series report holds; ``patterns`` are the last checkpoint's activation-pattern counts (track)."""

    kind: str
    names: tuple[str, ...]
    layers: tuple[str, ...]
    table: dict[str, dict[str, float]]
    diagrams: dict[str, Any]
    matrices: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    patterns: dict[str, float] | None = None


def _diagrams(r: Any) -> dict[str, Any]:
    return {f"{name}:{layer}": d for name, p in zip(r.names, r.profiles) for layer, d in zip(p.layers, p.diagrams)}


def _compare(ctx: Context, s: Any) -> SeriesResult:
    r = ctx["checkpoints"]
    rows = {f"{name}:{layer}": row for name, p in zip(r.names, r.profiles)
            for layer, row in tables.table(p, r.n_features).items()}
    matrices = checkpoint_matrices(r.names, r.layers, r.profiles, r.arrays, s.metric, s.n_jobs)
    return SeriesResult("compare", r.names, r.layers, rows, _diagrams(r), matrices=matrices)


def _track(ctx: Context, s: Any) -> SeriesResult:
    r = ctx["checkpoints"]
    ctx.notes.append(f"The table describes the last checkpoint, {r.names[-1]!r}.")
    return SeriesResult("track", r.names, r.layers, tables.table(r.profiles[-1], r.n_features), _diagrams(r),
                        series=series_of(r, s.steps, s.metric, s.maxdim),
                        patterns=None if r.regions is None else dict(r.regions[-1]))


COMPARE_STAGE = Stage("series", _compare, detail=lambda r: f"{len(r.matrices)} matrices")
TRACK_STAGE = Stage("series", _track, detail=lambda r: f"{len(r.series) - 1} series")
