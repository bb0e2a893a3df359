"""tda_nn: the topology of neural-network representations.

``import tda_nn`` is quick: it imports neither torch, gudhi nor matplotlib.
Public names are loaded from their modules on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (relative to tda_nn)
_LAZY: dict[str, str] = {
    # diagrams and homology
    "Diagrams": "diagrams",
    "persistence": "homology",
    "persistence_batch": "homology",
    "pmap": "parallel",
    # capture
    "capture": "capture",
    "list_layers": "capture",
    "ActivationRecorder": "capture",
    "LayerInfo": "capture",
    "Activations": "activations",
    # point clouds
    "landmarks": "clouds",
    "Landmarks": "clouds",
    "pairwise_distances": "clouds",
    "standardize": "clouds",
    "pca": "clouds",
    "knn_geodesic": "clouds",
    "sample_clouds": "clouds",
    "dtm_weights": "clouds",
    "feature_map_images": "clouds",
    # summaries
    "BettiCurve": "features",
    "PersistenceLandscape": "features",
    "Silhouette": "features",
    "PersistenceImage": "features",
    "PersistentEntropy": "features",
    "Amplitude": "features",
    "PersistenceStatistics": "features",
    "TropicalCoordinates": "features",
    "TopologicalFeatures": "features",
    "bottleneck": "distances",
    "wasserstein": "distances",
    "sliced_wasserstein": "distances",
    "pairwise_diagram_distances": "distances",
    "DiagramDistance": "distances",
    # diagnostics
    "cka": "diagnostics",
    "rtd": "diagnostics",
    "cross_barcode": "diagnostics",
    "twonn": "diagnostics",
    "ph_dimension": "diagnostics",
    "neural_persistence": "diagnostics",
    "NeuralPersistence": "diagnostics",
    "layer_profile": "diagnostics",
    "compare_layers": "diagnostics",
    "LayerProfile": "diagnostics",
    "LayerComparison": "diagnostics",
    # over training
    "TopologyMonitor": "diagnostics",
    "TrainingTrace": "diagnostics",
    "track_checkpoints": "diagnostics",
    # activation regions of ReLU networks
    "activation_patterns": "diagnostics",
    "regions_on_path": "diagnostics",
    "regions_on_plane": "diagnostics",
    "region_density": "diagnostics",
    "distance_to_boundary": "diagnostics",
    "region_counts": "diagnostics",
    "region_bound": "diagnostics",
    "ActivationPatterns": "diagnostics",
    "PathRegions": "diagnostics",
    "PlaneRegions": "diagnostics",
    "RegionDensity": "diagnostics",
    "BoundaryDistance": "diagnostics",
    # workflows
    "analyze": "analyze",
    "compare_checkpoints": "analyze",
    "track": "analyze",
    "Report": "report",
    "ProbeScores": "probes",
    "probe_layers": "probes",
    "TopologicalProbe": "probes",
    # modules
    "datasets": "datasets",
    "diagnostics": "diagnostics",
    "plotting": "plotting",
    "zoo": "zoo",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tda_nn' has no attribute {name!r}")
    mod = importlib.import_module(f".{module}", __name__)
    value = mod if name == module else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
