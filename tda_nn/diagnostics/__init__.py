"""Diagnostics: compare representations, measure their dimension, read the weights.

Nothing here imports torch at import time; :func:`neural_persistence` imports it
only when given an ``nn.Module``.
"""

from .similarity import cka, cross_barcode, ph_dimension, rtd, twonn

__all__ = ["cka", "cross_barcode", "ph_dimension", "rtd", "twonn"]
