"""Diagnostics on arrays and diagrams (numpy only): compare, measure, profile, follow.

Representations are compared (:mod:`.similarity`: CKA, RTD, cross-barcodes),
measured (:mod:`.dimension`: TwoNN, PH dimension), profiled layer by layer
(:mod:`.layers`), and followed over training as data (:mod:`.trace`). What needs a
model (the training monitor, neural persistence, ReLU regions) is in :mod:`tda_nn.nn`.
"""

from .clusters import SignificantClusters, significant_clusters
from .dimension import ph_dimension, twonn
from .layers import LayerComparison, LayerProfile, compare_layers, layer_profile
from .significance import SignificantBars, significant_bars
from .similarity import cka, cross_barcode, rtd
from .trace import TrainingTrace

__all__ = [
    "LayerComparison",
    "LayerProfile",
    "SignificantBars",
    "SignificantClusters",
    "TrainingTrace",
    "cka",
    "compare_layers",
    "cross_barcode",
    "layer_profile",
    "ph_dimension",
    "rtd",
    "significant_bars",
    "significant_clusters",
    "twonn",
]


def __dir__():
    return list(__all__)
