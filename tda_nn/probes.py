"""The old import path of the topological probes, kept so ``from tda_nn.probes import ...`` keeps working.

The probes live in :mod:`tda_nn.diagnostics.probes` (numeric core, beside the other
diagnostics); this module holds no code of its own. New code imports from there or
from ``tda_nn``.
"""

from __future__ import annotations

from .diagnostics.probes import ProbeScores, TopologicalProbe, probe_layers, sample_inputs

__all__ = ["ProbeScores", "TopologicalProbe", "probe_layers", "sample_inputs"]
