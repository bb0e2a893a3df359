"""The torch wing: everything that runs or loads a model.

Capture through forward hooks (:mod:`~tda_nn.nn.capturing`, :mod:`~tda_nn.nn.hooks`,
:mod:`~tda_nn.nn.reducers`), the training monitor (:mod:`~tda_nn.nn.monitor`),
neural persistence of weights (:mod:`~tda_nn.nn.weights`), checkpoints and the
model zoo, and ReLU activation regions (:mod:`~tda_nn.nn.regions`). Only modules in
this package may import torch; they import it inside functions, so importing the
package itself stays quick.
"""

from .capturing import ActivationRecorder, LayerInfo, capture, list_layers
from .monitor import TopologyMonitor, track_checkpoints
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
from .weights import NeuralPersistence, neural_persistence

__all__ = [
    "ActivationPatterns",
    "ActivationRecorder",
    "BoundaryDistance",
    "LayerInfo",
    "NeuralPersistence",
    "PathRegions",
    "PlaneRegions",
    "RegionDensity",
    "TopologyMonitor",
    "activation_patterns",
    "capture",
    "distance_to_boundary",
    "list_layers",
    "neural_persistence",
    "region_bound",
    "region_counts",
    "region_density",
    "regions_on_path",
    "regions_on_plane",
    "track_checkpoints",
]


def __dir__():
    return list(__all__)
