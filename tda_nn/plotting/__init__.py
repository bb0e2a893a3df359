"""Figures. matplotlib is imported inside each function, never at import time.

One file per subject: ``diagrams`` (persistence diagrams, barcodes, Betti
curves), ``layers`` (layer profiles, layer distance heatmaps, training
trajectories), ``regions`` (activation-region partitions and counts); the report's
figures and sections in ``report``, ``report_pillars`` and ``report_regions``, drawn
from the typed results of :mod:`tda_nn.results`.

Room: results floor. Imports numpy, the data floor, the numeric core's result types
and ``results``; matplotlib inside the functions; never ``report``, ``workflows``,
``cli`` or torch.
"""

import importlib as _importlib

_LAZY = {
    "plot_diagram": "diagrams",
    "plot_diagrams": "diagrams",
    "plot_barcode": "diagrams",
    "plot_betti_curves": "diagrams",
    "plot_layer_profile": "layers",
    "plot_layer_views": "layers",
    "plot_distance_matrix": "layers",
    "plot_training": "layers",
    "plot_regions_plane": "regions",
    "plot_region_counts": "regions",
    "plot_polygons": "polygons",
    "plot_lifelines": "cycles",
    "plot_symmetry_profile": "symmetry",
    "plot_orbit_fractions": "symmetry",
    "plot_symmetry_summary": "symmetry",
    "plot_cycles": "cycles",
    "loops_html": "loops_html",
    "plot_mapper": "mapper",
    "loops_page": "loops_html",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module 'tda_nn.plotting' has no attribute {name!r}")
    return getattr(_importlib.import_module(f".{sub}", __name__), name)


def __dir__():
    return list(__all__)
