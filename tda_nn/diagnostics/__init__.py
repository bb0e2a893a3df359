"""Diagnostics: compare representations, measure their dimension, read the weights.

Importing this package imports neither torch nor gudhi; :func:`neural_persistence`
imports torch only when given an ``nn.Module``.
"""

from .similarity import cka, cross_barcode, ph_dimension, rtd, twonn
from .weights import NeuralPersistence, neural_persistence

__all__ = ["NeuralPersistence", "cka", "cross_barcode", "neural_persistence", "ph_dimension", "rtd", "twonn"]
