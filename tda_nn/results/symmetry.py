"""Per-layer invariance and equivariance errors with intervals, and orbit topology, by action: :class:`SymmetryResult`.

Room: results floor (``results``). Imports numpy and its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Record, Result, need

__all__ = ["OrbitResult", "SymmetryCurve", "SymmetryResult"]


@dataclass(frozen=True, eq=False, repr=False)
class SymmetryCurve(Record):
    """One action's invariance (or equivariance) error per layer, with its bootstrap interval.

    Attributes
    ----------
    kind : {'invariance', 'equivariance'}
    action : str
    layers : tuple of str
    error : ndarray of shape (n_layers,)
    interval : ndarray of shape (n_layers, 2)
    method, fit_r2, exact, interpolation_error, n_samples, level
        As :class:`tda_nn.SymmetryProfile` records them (None when not recorded).
    """

    kind: str
    action: str
    layers: tuple
    error: np.ndarray
    interval: np.ndarray
    method: tuple | None = None
    fit_r2: np.ndarray | None = None
    exact: Any = None
    interpolation_error: float | None = None
    n_samples: int | None = None
    level: float | None = None

    _SPEC = (("kind", "str", "required"), ("action", "str", "required"), ("layers", "strs", "required"),
             ("error", "array", "required"), ("interval", "array", "required"), ("method", "strs", "omit"),
             ("fit_r2", "array", "omit"), ("exact", "json", "omit"), ("interpolation_error", "number", "null"),
             ("n_samples", "int", "omit"), ("level", "number", "omit"))

    def __repr__(self) -> str:
        return f"SymmetryCurve({self.kind} to {self.action}, {len(self.layers)} layers)"

    @property
    def upper(self) -> np.ndarray:
        """Each layer's interval upper end (the error itself where the interval is undefined)."""
        return np.where(np.isfinite(self.interval[:, 1]), self.interval[:, 1], self.error)

    @classmethod
    def from_dict(cls, d: Any, where: str = "symmetry curve") -> SymmetryCurve:
        kw = cls.fields_from(d, where)
        n = len(kw["layers"])
        kw["interval"] = kw["interval"].reshape(-1, 2)
        if kw["error"].shape != (n,) or kw["interval"].shape != (n, 2):
            raise ValueError(f"{where}: 'error' and 'interval' need one entry per layer ({n}), got shapes "
                             f"{kw['error'].shape} and {kw['interval'].shape}")
        return cls(**kw)


@dataclass(frozen=True, eq=False, repr=False)
class OrbitResult(Record):
    """What becomes of closed orbits of inputs through the layers (kept, shrunk, collapsed, torn).

    Attributes
    ----------
    action : str
    layers : tuple of str
    fractions : dict of layer -> dict of status -> float
    status : dict of layer -> list of str
        Per input followed: 'kept', 'shrunk', 'collapsed' or 'torn'.
    params, diameter, n_bars, threshold, collapse_tol, shrink, pvalue, shrink_factor, alpha
        As :class:`tda_nn.OrbitTopology` records them (None when not recorded).
    """

    action: str
    layers: tuple
    fractions: dict
    status: dict | None = None
    params: np.ndarray | None = None
    diameter: dict | None = None
    n_bars: dict | None = None
    threshold: Any = None
    collapse_tol: Any = None
    shrink: dict | None = None
    pvalue: dict | None = None
    shrink_factor: Any = None
    alpha: Any = None

    _SPEC = (("action", "str", "required"), ("layers", "strs", "required"), ("params", "array", "omit"),
             ("fractions", "json", "required"), ("diameter", "json", "omit"), ("n_bars", "json", "omit"),
             ("status", "json", "omit"), ("threshold", "json", "omit"), ("collapse_tol", "json", "omit"),
             ("shrink", "json", "omit"), ("pvalue", "json", "omit"), ("shrink_factor", "json", "omit"),
             ("alpha", "json", "omit"))

    def __repr__(self) -> str:
        return f"OrbitResult({self.action}, {len(self.layers)} layers)"


@dataclass(frozen=True, eq=False, repr=False)
class SymmetryResult(Result):
    """The symmetry section: per action its invariance and equivariance curves and its orbits.

    Attributes
    ----------
    tol : float
        An error whose interval lies below it counts as invariance (equivariance).
    invariance, equivariance : dict of str -> SymmetryCurve
    orbits : dict of str -> OrbitResult
    findings : tuple of str
        The summary's own sentences (:meth:`tda_nn.SymmetrySummary.findings`).
    """

    tol: float
    invariance: dict
    equivariance: dict
    orbits: dict
    findings: tuple = ()

    def __repr__(self) -> str:
        return f"SymmetryResult({', '.join(self.invariance)})"

    def to_dict(self) -> dict[str, Any]:
        return {"invariance": {k: v.to_dict() for k, v in self.invariance.items()},
                "equivariance": {k: v.to_dict() for k, v in self.equivariance.items()},
                "orbits": {k: v.to_dict() for k, v in self.orbits.items()}, "tol": self.tol,
                "findings": list(self.findings)}

    @classmethod
    def from_dict(cls, d: Any, where: str = "symmetry") -> SymmetryResult:
        if isinstance(d, SymmetryResult):
            return d
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")

        def curves(key: str) -> dict[str, SymmetryCurve]:
            body = need(d, key, (dict,), where, optional=True) or {}
            return {str(k): SymmetryCurve.from_dict(v, f"{where} {key}[{k!r}]") for k, v in body.items()}

        orbits = need(d, "orbits", (dict,), where, optional=True) or {}
        found = need(d, "findings", (list,), where, optional=True) or []
        tol = need(d, "tol", (float,), where, optional=True)
        return cls(tol=0.05 if tol is None else float(tol),
                   invariance=curves("invariance"), equivariance=curves("equivariance"),
                   orbits={str(k): OrbitResult.from_dict(v, f"{where} orbits[{k!r}]") for k, v in orbits.items()},
                   findings=tuple(str(f) for f in found))
