"""Cycles: representative loops of H1 bars, read back on the samples, and tracked across layers.

``representatives`` turns a bar of a Vietoris-Rips diagram into an ordered closed
loop of sample indices (:func:`representative_cycles`, :func:`loop_samples`);
``tracking`` follows each loop through the other layers of a network, which all
share the same samples (:func:`track_features`). numpy/scipy only.
"""

from .representatives import Cycle, Cycles, LoopSamples, loop_samples, representative_cycles
from .tracking import Lifeline, Lifelines, loop_scales, track_features

__all__ = [
    "Cycle",
    "Cycles",
    "Lifeline",
    "Lifelines",
    "LoopSamples",
    "loop_samples",
    "loop_scales",
    "representative_cycles",
    "track_features",
]


def __dir__():
    return list(__all__)
