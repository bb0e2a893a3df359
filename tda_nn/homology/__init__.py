"""Persistent homology: ``persistence`` picks the engine (ripser, giotto-ph, gudhi).

``Persistence`` (the scikit-learn transformer) is loaded on first use, so that
``persistence`` does not import scikit-learn.
"""

from typing import Any

from ..validation import MemoryBudgetError
from ._api import BACKENDS, COMPLEXES, persistence, persistence_batch
from ._mst import spanning_tree

__all__ = ["BACKENDS", "COMPLEXES", "MemoryBudgetError", "Persistence", "persistence", "persistence_batch",
           "spanning_tree"]


def __getattr__(name: str) -> Any:
    if name == "Persistence":
        from .estimator import Persistence

        return Persistence
    raise AttributeError(f"module 'tda_nn.homology' has no attribute {name!r}")
