"""Persistent homology: ``persistence`` picks the engine (ripser, giotto-ph, gudhi)."""

from ._api import BACKENDS, COMPLEXES, persistence, persistence_batch
from ._memory import MemoryBudgetError

__all__ = ["BACKENDS", "COMPLEXES", "MemoryBudgetError", "persistence", "persistence_batch"]
