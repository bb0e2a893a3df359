"""Diagnostics: compare, profile and follow layers; read weights; count ReLU regions.

Representations are compared (CKA, RTD, cross-barcodes), measured (TwoNN, PH
dimension), profiled layer by layer, followed over training; weights are read
through neural persistence; ReLU networks' activation regions are counted.

Importing this package imports neither torch nor gudhi: the functions that need
torch (:func:`neural_persistence` given an ``nn.Module``, :class:`TopologyMonitor`,
:func:`track_checkpoints`, the region counts) import it when called.
"""

from .layers import LayerComparison, LayerProfile, compare_layers, layer_profile
from .regions import (
    ActivationPatterns,
    BoundaryDistance,
    PathRegions,
    PlaneRegions,
    RegionDensity,
    activation_patterns,
    distance_to_boundary,
    region_bound,
    region_counts,
    region_density,
    regions_on_path,
    regions_on_plane,
)
from .similarity import cka, cross_barcode, ph_dimension, rtd, twonn
from .training import TopologyMonitor, TrainingTrace, track_checkpoints
from .weights import NeuralPersistence, neural_persistence

__all__ = [
    "ActivationPatterns",
    "BoundaryDistance",
    "LayerComparison",
    "LayerProfile",
    "NeuralPersistence",
    "PathRegions",
    "PlaneRegions",
    "RegionDensity",
    "TopologyMonitor",
    "TrainingTrace",
    "activation_patterns",
    "cka",
    "compare_layers",
    "cross_barcode",
    "distance_to_boundary",
    "layer_profile",
    "neural_persistence",
    "ph_dimension",
    "region_bound",
    "region_counts",
    "region_density",
    "regions_on_path",
    "regions_on_plane",
    "rtd",
    "track_checkpoints",
    "twonn",
]
