"""The stages of the workflows, one module each: ``run(context, settings) -> a frozen result``.

``ANALYZE`` is :func:`tda_nn.analyze` as the list of its stages; ``COMPARE`` and
``TRACK`` are the series workflows, built from the same plan, findings and report
stages around their own ``checkpoints`` stage. ``FORMAT_VERSIONS`` names the format
version of every cached stage (:mod:`tda_nn.workflows.cache`).

Floor: application.
"""

from __future__ import annotations

from . import (
    capture,
    checkpoints,
    comparison,
    findings,
    loops,
    mapper,
    persistence,
    probes,
    regions,
    report,
    resolve,
    series,
    symmetry,
    views,
)

__all__ = ["ANALYZE", "COMPARE", "FORMAT_VERSIONS", "TRACK"]

ANALYZE = (resolve.STAGE, capture.STAGE, persistence.STAGE, comparison.STAGE, views.STAGE, probes.CAPTURE_STAGE,
           probes.STAGE, loops.STAGE, symmetry.STAGE, regions.STAGE, mapper.STAGE, findings.STAGE, report.STAGE)
COMPARE = (resolve.STAGE, checkpoints.STAGE, series.COMPARE_STAGE, findings.STAGE, report.STAGE)
TRACK = (resolve.STAGE, checkpoints.STAGE, series.TRACK_STAGE, findings.STAGE, report.STAGE)

FORMAT_VERSIONS = {st.name: st.version for st in (*ANALYZE, *COMPARE, *TRACK) if st.version is not None}
