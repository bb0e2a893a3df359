"""Probe scores per layer, as the report holds them: :class:`ProbesResult`.

Room: results floor (``results``). Imports numpy and its siblings (the probes
themselves are :mod:`tda_nn.diagnostics.probes`; a ``ProbeScores`` converts here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Record

__all__ = ["ProbesResult"]


@dataclass(frozen=True, eq=False, repr=False)
class ProbesResult(Record):
    """Cross-validated accuracy per layer: topological probe, linear probe, shuffled-label control.

    Attributes
    ----------
    layers : tuple of str
    topological, linear, shuffled : ndarray of shape (n_layers,)
    chance : float
        The majority class's share.
    meta : dict
        How the probes were run (``kind``, ``maxdim``, ``cv``, ``seed``).
    """

    layers: tuple
    topological: np.ndarray
    linear: np.ndarray
    shuffled: np.ndarray
    chance: float
    meta: dict

    _SPEC = (("layers", "strs", "required"), ("topological", "array", "required"), ("linear", "array", "required"),
             ("shuffled", "array", "required"), ("chance", "float", "required"), ("meta", "json", "null"))

    def __repr__(self) -> str:
        rows = ", ".join(f"{n}: topo {t:.2f} / linear {li:.2f} / shuffled {s:.2f}"
                         for n, t, li, s in zip(self.layers, self.topological, self.linear, self.shuffled))
        return f"ProbesResult({rows})"

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["meta"] = dict(self.meta or {})
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "probes") -> ProbesResult:
        if isinstance(d, ProbesResult):
            return d
        if hasattr(d, "to_dict") and not isinstance(d, dict):  # a ProbeScores
            d = d.to_dict()
        kw = cls.fields_from(d, where)
        n = len(kw["layers"])
        for k in ("topological", "linear", "shuffled"):
            if kw[k].shape != (n,):
                raise ValueError(f"{where} field {k!r} must hold one score per layer ({n}), got shape {kw[k].shape}")
        kw["meta"] = kw["meta"] or {}
        return cls(**kw)
