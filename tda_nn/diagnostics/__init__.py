"""Diagnostics on arrays and diagrams (numpy only): compare, measure, profile, follow.

Representations are compared (:mod:`.similarity`: CKA, RTD, cross-barcodes),
measured (:mod:`.dimension`: TwoNN, PH dimension), profiled layer by layer
(:mod:`.layers`), followed over training as data (:mod:`.trace`), and probed for
the label (:mod:`.probes`: a classifier on per-sample persistence beside a linear
probe and a shuffled-label control). What needs a model (the training monitor,
neural persistence, ReLU regions) is in :mod:`tda_nn.nn`.

Room: numeric core. Imports numpy, scipy, scikit-learn and the floors below
(helpers, data) and its neighbours of the numeric core (``clouds``, ``homology``,
``features``, ``distances``); never torch, ``findings``, ``report``, ``plotting``,
``workflows`` or ``cli``. The probes (which import scikit-learn) load on first use.
"""

import importlib

from .clusters import SignificantClusters, significant_clusters
from .dimension import ph_dimension, twonn
from .layers import LayerComparison, LayerProfile, compare_layers, layer_profile
from .significance import SignificantBars, significant_bars
from .similarity import cka, cka_matrix, cross_barcode, rtd
from .trace import TrainingTrace

_LAZY = {"ProbeScores": "probes", "TopologicalProbe": "probes", "probe_layers": "probes"}

__all__ = [
    "LayerComparison",
    "LayerProfile",
    "ProbeScores",
    "SignificantBars",
    "SignificantClusters",
    "TopologicalProbe",
    "TrainingTrace",
    "cka",
    "cka_matrix",
    "compare_layers",
    "cross_barcode",
    "layer_profile",
    "ph_dimension",
    "probe_layers",
    "rtd",
    "significant_bars",
    "significant_clusters",
    "twonn",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return list(__all__)
