"""The findings stage: the sentences the report's numbers support, by the rules of the findings room.

Reads every earlier stage's result: the table and the significant lifetimes, the
matrices, the probes, the regions (:func:`tda_nn.findings.report_findings`), the loops
and the symmetries (their own rules). A series (compare, track) gets the same rules on
what it has: each checkpoint's table, the checkpoint matrices, the last checkpoint's
activation patterns.

Floor: application (the results floor's rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...findings import loop_findings, mapper_findings, report_findings, symmetry_findings
from ..runner import Context, Stage

__all__ = ["FindingsResult", "STAGE", "findings_of", "series_findings"]


@dataclass(frozen=True)
class FindingsResult:
    """The findings, in reading order."""

    findings: tuple


def findings_of(ctx: Context, s: Any) -> list:
    """Every finding of an analysis."""
    pers = ctx["persistence"]
    comparison = ctx["comparison"]
    loops = ctx["loops"]
    symmetry = ctx["symmetry"]
    found = report_findings(pers.table, matrices=comparison.matrices if comparison else {},
                            lifetimes=pers.lifetimes, probes=ctx["probes"],
                            regions=ctx["regions"], alpha=s.alpha, n_samples=ctx["capture"].acts.n_samples,
                            correction=getattr(s, "correction", "bonferroni"))
    if loops:
        found += loop_findings(loops)
    if symmetry is not None:
        found += symmetry_findings(symmetry)
    if ctx["mapper"] is not None:
        found += mapper_findings(ctx["mapper"])
    return found


def series_findings(ctx: Context, s: Any) -> list:
    """The findings of a series: the matrices' (which checkpoints are alike) and the last checkpoint's patterns."""
    r = ctx["series"]
    regions = None if r.patterns is None else {"data_patterns": r.patterns}
    # the series' matrices are checkpoint x checkpoint (one per layer): the sentences name checkpoints
    return report_findings(r.table, matrices=r.matrices, regions=regions, n_samples=ctx["plan"].n_samples,
                           compared="checkpoints")


def run(ctx: Context, s: Any) -> FindingsResult:
    if ctx["series"] is not None:
        return FindingsResult(tuple(series_findings(ctx, s)))
    return FindingsResult(tuple(findings_of(ctx, s)))


STAGE = Stage("findings", run, detail=lambda r: f"{len(r.findings)} findings")
