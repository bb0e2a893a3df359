"""The torch wing: everything that runs or loads a model.

Capture through forward hooks (:mod:`~tda_nn.nn.capturing`, :mod:`~tda_nn.nn.hooks`,
:mod:`~tda_nn.nn.reducers`), the training monitor (:mod:`~tda_nn.nn.monitor`),
neural persistence of weights (:mod:`~tda_nn.nn.weights`), checkpoints and the
model zoo, and ReLU activation regions (:mod:`~tda_nn.nn.regions`). Only modules in
this package may import torch; they import it inside functions, so importing the
package itself stays quick.
"""

from .actions import CyclicShift, Flip, Rot90, Rotate, Translate
from .capturing import ActivationRecorder, LayerInfo, capture, list_layers
from .feature_actions import Action, OrthogonalMap, Permute
from .lie import LieDerivative, lie_derivative
from .monitor import TopologyMonitor, track_checkpoints
from .orbits import OrbitTopology, orbit_topology
from .regions import (
    ActivationPatterns,
    BoundaryDistance,
    ExactPlaneRegions,
    LocalComplexity,
    PathRegions,
    PlaneRegions,
    RegionDensity,
    activation_patterns,
    distance_to_boundary,
    local_complexity,
    region_bound,
    region_counts,
    region_density,
    regions_on_path,
    regions_on_plane,
)
from .symmetry import SymmetryProfile, equivariance, invariance
from .symmetry_summary import SymmetrySummary, symmetry_summary
from .weights import NeuralPersistence, neural_persistence

__all__ = [
    "Action",
    "CyclicShift",
    "Flip",
    "LieDerivative",
    "OrbitTopology",
    "OrthogonalMap",
    "Permute",
    "Rot90",
    "Rotate",
    "SymmetryProfile",
    "SymmetrySummary",
    "Translate",
    "equivariance",
    "invariance",
    "lie_derivative",
    "orbit_topology",
    "symmetry_summary",
    "ActivationPatterns",
    "ActivationRecorder",
    "BoundaryDistance",
    "ExactPlaneRegions",
    "LayerInfo",
    "LocalComplexity",
    "NeuralPersistence",
    "PathRegions",
    "PlaneRegions",
    "RegionDensity",
    "TopologyMonitor",
    "activation_patterns",
    "capture",
    "distance_to_boundary",
    "list_layers",
    "local_complexity",
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


def __getattr__(name):
    # submodules (tda_nn.nn.zoo, tda_nn.nn.checkpoints, ...) as attributes, imported on first use
    import importlib

    if name in ("actions", "capturing", "checkpoints", "feature_actions", "hooks", "lie", "monitor", "orbits",
                "reducers", "regions", "symmetry", "symmetry_summary", "weights", "zoo"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'tda_nn.nn' has no attribute {name!r}")
