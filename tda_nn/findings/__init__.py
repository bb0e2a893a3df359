"""What a report's numbers say, as sentences: typed :class:`Finding` objects made by fixed rules.

Every finding is generated from numbers already in the report (the per-layer
table, the layer x layer matrices, the probe scores, the region counts, the loops
and the symmetry profiles) by a rule named in ``Finding.rule``; the sentence
quotes the numbers it rests on with their uncertainty (thresholds, landmark
bounds, standard errors, permutation p-values), so a finding cannot say more
than they do. :func:`tda_nn.analyze` calls :func:`report_findings`; the rules
are public for reports built by hand.

Room: results floor. One module per family of rules (``significance``, ``depth``, ``dimension``,
``similarity``, ``probes``, ``regions``, ``loops``, ``symmetry``, ``mapper``), each rule a
small function. Imports numpy, scipy and the floors below (helpers, data,
numeric core); never ``workflows`` or ``cli``, never torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import _table
from ._finding import Finding
from .depth import depth_findings
from .dimension import dimension_findings
from .loops import loop_findings
from .mapper import mapper_findings
from .probes import probe_findings
from .regions import region_findings
from .significance import significance_findings
from .similarity import mantel_spearman, similarity_findings
from .symmetry import symmetry_findings

__all__ = [
    "Finding",
    "depth_findings",
    "dimension_findings",
    "loop_findings",
    "mapper_findings",
    "mantel_spearman",
    "probe_findings",
    "region_findings",
    "report_findings",
    "significance_findings",
    "similarity_findings",
    "symmetry_findings",
]


def report_findings(
    table: Mapping[str, Mapping[str, Any]],
    *,
    matrices: Mapping[str, tuple[Sequence[str], Any]] | None = None,
    lifetimes: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    probes: Mapping[str, Any] | Any | None = None,
    regions: Mapping[str, Any] | Any | None = None,
    alpha: float = 0.05,
    n_samples: int | None = None,
    correction: str = "bonferroni",
    compared: str = "layers",
) -> list[Finding]:
    """All the findings of a report, in reading order: significance, depth, dimension, similarity, probes, regions.

    ``compared`` names what the matrices' rows and columns are (``'layers'``, or
    ``'checkpoints'`` for the series workflows), as :func:`similarity_findings` says it.

    Returns
    -------
    list of Finding
        Significance findings first; then the others; swamped dimensions are
        among the first so that no count is read without them.
    """
    table = _table.rows(table)
    has_dims = bool(_table.dims(table))
    sig = significance_findings(table, lifetimes, alpha=alpha, correction=correction) if has_dims else []
    sig.sort(key=lambda f: (f.rule != "report_fdr", f.rule != "landmark_swamps"))
    return [
        *sig,
        *(depth_findings(table, alpha=alpha) if has_dims else []),
        *dimension_findings(table),
        *similarity_findings(matrices or {}, alpha=alpha, compared=compared),
        *probe_findings(probes, n_samples=n_samples),
        *region_findings(regions, n_samples=n_samples),
    ]
