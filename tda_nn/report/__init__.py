"""The report room: :class:`Report`, its versioned ``report.json`` schema and its HTML page.

* :mod:`._report` -- :class:`Report`: typed stage results (:mod:`tda_nn.results`),
  diagrams, matrices, series and findings; ``save`` (atomic) and ``load``.
* :mod:`.schema` -- :data:`SCHEMA_VERSION`, the writer, and the reader that converts
  older versions and refuses unknown ones by their version.
* :mod:`.html` -- the self-contained HTML page, findings first.

Room: results floor. Imports the helpers and data floors, ``results``, ``findings``
and ``plotting``; no computation, never ``workflows``, ``cli`` or torch.
"""

from __future__ import annotations

from ._report import Report
from .html import region_method as _region_method  # noqa: F401  (the name tests and notebooks of 0.x import)
from .schema import READABLE, SCHEMA_VERSION

__all__ = ["READABLE", "SCHEMA_VERSION", "Report"]
