"""tda_nn: the topology of neural-network representations.

``import tda_nn`` is quick: it imports neither torch, gudhi nor matplotlib.
Public names are loaded from their modules on first use; ``dir(tda_nn)`` lists
exactly the public names. Everything that runs or loads a model lives in the
torch wing, :mod:`tda_nn.nn`; every other module is numpy-only.
"""

import importlib as _importlib
import logging as _logging

__version__ = "0.2.0"

# the library logs its stage messages to "tda_nn" and adds no handler but this one
_logging.getLogger("tda_nn").addHandler(_logging.NullHandler())

# public name -> module that defines it (relative to tda_nn)
_LAZY: dict = {
    # diagrams and homology
    "Diagrams": "diagrams",
    "persistence": "homology",
    "persistence_batch": "homology",
    "Persistence": "homology",
    "pmap": "parallel",
    # capture (torch wing)
    "capture": "nn.capturing",
    "list_layers": "nn.capturing",
    "ActivationRecorder": "nn.capturing",
    "LayerInfo": "nn.capturing",
    "Activations": "activations",
    # point clouds
    "landmarks": "clouds",
    "Landmarks": "clouds",
    "pairwise_distances": "clouds",
    "standardize": "clouds",
    "pca": "clouds",
    "knn_geodesic": "clouds",
    "nearest_neighbors": "clouds",
    "sample_clouds": "clouds",
    "dtm_weights": "clouds",
    "feature_map_images": "clouds",
    # cycles: which samples form a loop, and does it survive the next layer
    "representative_cycles": "cycles",
    "loop_samples": "cycles",
    "Cycle": "cycles",
    "Cycles": "cycles",
    "LoopSamples": "cycles",
    "track_features": "cycles",
    "loop_scales": "cycles",
    "Lifeline": "cycles",
    "Lifelines": "cycles",
    # Mapper (tda_nn.mapper itself is the callable subpackage, listed in _MODULES)
    "Cover": "mapper.cover",
    "MapperGraph": "mapper.graph",
    "mapper_layers": "mapper.layers",
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
    # diagnostics (numpy only)
    "cka": "diagnostics.similarity",
    "cka_matrix": "diagnostics.similarity",
    "rtd": "diagnostics.similarity",
    "cross_barcode": "diagnostics.similarity",
    "twonn": "diagnostics.dimension",
    "ph_dimension": "diagnostics.dimension",
    "layer_profile": "diagnostics.layers",
    "compare_layers": "diagnostics.layers",
    "LayerProfile": "diagnostics.layers",
    "LayerComparison": "diagnostics.layers",
    "TrainingTrace": "diagnostics.trace",
    "significant_bars": "diagnostics.significance",
    "SignificantBars": "diagnostics.significance",
    "significant_clusters": "diagnostics.clusters",
    "SignificantClusters": "diagnostics.clusters",
    # models: weights, training, regions (torch wing)
    "neural_persistence": "nn.weights",
    "NeuralPersistence": "nn.weights",
    "TopologyMonitor": "nn.monitor",
    "track_checkpoints": "nn.monitor",
    "activation_patterns": "nn.regions",
    "regions_on_path": "nn.regions",
    "regions_on_plane": "nn.regions",
    "region_density": "nn.regions",
    "distance_to_boundary": "nn.regions",
    "region_counts": "nn.regions",
    "region_bound": "nn.regions",
    "ActivationPatterns": "nn.regions",
    "PathRegions": "nn.regions",
    "PlaneRegions": "nn.regions",
    "RegionDensity": "nn.regions",
    "BoundaryDistance": "nn.regions",
    "ExactPlaneRegions": "nn.regions",
    "local_complexity": "nn.regions",
    "LocalComplexity": "nn.regions",
    # symmetries: group actions on inputs, invariance, equivariance, orbits (torch wing)
    "CyclicShift": "nn.actions",
    "Translate": "nn.actions",
    "Rotate": "nn.actions",
    "Rot90": "nn.actions",
    "Flip": "nn.actions",
    "Permute": "nn.feature_actions",
    "OrthogonalMap": "nn.feature_actions",
    "Action": "nn.feature_actions",
    "invariance": "nn.symmetry",
    "equivariance": "nn.symmetry",
    "SymmetryProfile": "nn.symmetry",
    "lie_derivative": "nn.lie",
    "LieDerivative": "nn.lie",
    "orbit_topology": "nn.orbits",
    "OrbitTopology": "nn.orbits",
    "symmetry_summary": "nn.symmetry_summary",
    "SymmetrySummary": "nn.symmetry_summary",
    # workflows
    "analyze": "workflows",
    "compare_checkpoints": "workflows",
    "track": "workflows",
    "Report": "report",
    "Finding": "findings",
    "loop_findings": "findings",
    "symmetry_findings": "findings",
    "ProbeScores": "diagnostics.probes",
    "probe_layers": "diagnostics.probes",
    "TopologicalProbe": "diagnostics.probes",
    # plans before long runs
    "Plan": "workflows.plan",
    "PlanError": "workflows.plan",
    "plan_analysis": "workflows.plan",
    "AnalyzeSettings": "workflows.settings",
    "CompareSettings": "workflows.settings",
    "TrackSettings": "workflows.settings",
    # errors
    "MemoryBudgetError": "validation",
    "CheckpointError": "validation",
}

# public subpackages and modules, loaded on first use
_MODULES: dict = {
    "datasets": "datasets",
    "diagnostics": "diagnostics",
    "plotting": "plotting",
    "nn": "nn",
    "zoo": "nn.zoo",
    "validation": "validation",
    "actions": "nn.actions",
    "cycles": "cycles",
    "mapper": "mapper",
}

__all__ = ["__version__", *sorted(_LAZY), *sorted(_MODULES)]


def __getattr__(name):
    if name in _MODULES:
        value = _importlib.import_module(f".{_MODULES[name]}", __name__)
    elif name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'tda_nn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return list(__all__)
