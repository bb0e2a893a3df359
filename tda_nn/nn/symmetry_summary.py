"""All symmetry measures for a list of actions in one call, with findings: what a report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SymmetrySummary", "parse_actions", "symmetry_summary"]

from ._symcore import parse_actions


@dataclass(frozen=True, repr=False)
class SymmetrySummary:
    """Invariance, equivariance and orbit topology for each action, by action name."""

    invariance: dict[str, Any]
    equivariance: dict[str, Any]
    orbits: dict[str, Any]
    tol: float = 0.05

    def __repr__(self) -> str:
        return f"SymmetrySummary({list(self.invariance)}; orbits for {list(self.orbits)})"

    def findings(self) -> list[str]:
        """Plain sentences from the numbers: where invariance emerges and completes, what orbits become.

        A layer counts as invariant (equivariant) when the upper end of its interval
        (the estimate itself without intervals) is below ``tol``; invariance
        "emerges" at the first layer whose upper end is below 0.5.
        """
        out = []
        for name, inv in self.invariance.items():
            up = _upper(inv)
            done = next((inv.layers[i] for i in range(len(up)) if (up[i:] < self.tol).all()), None)
            start = next((inv.layers[i] for i in range(len(up)) if up[i] < 0.5), None)
            if done is not None:
                lead = f"invariance to {name} emerges at {start} and " if start != done else f"invariance to {name} "
                out.append(f"{lead}is complete (error < {self.tol:g}) from {done} on.")
            elif start is not None:
                k = int(np.argmin(inv.error))
                out.append(f"invariance to {name} emerges at {start} but is never complete "
                           f"(smallest error {inv.error[k]:.2g} at {inv.layers[k]}).")  # fmt: skip
            else:
                out.append(f"no layer is invariant to {name} (every error above 0.5).")
            eq = self.equivariance.get(name)
            if eq is not None:
                eu = _upper(eq)
                kept = [eq.layers[i] for i in range(len(eu))
                        if eu[i] < self.tol and inv.error[i] >= self.tol and eq.layers[i] != "input"]  # fmt: skip
                if kept:
                    out.append(f"equivariant but not invariant to {name} at {', '.join(kept)}.")
            orb = self.orbits.get(name)
            if orb is not None:
                parts = [f"{k}: {orb.counts[k]['kept']} kept, {orb.counts[k]['shrunk']} shrunk (below "
                         f"{orb.shrink_factor:g} of their input size), {orb.counts[k]['collapsed']} collapsed, "
                         f"{orb.counts[k]['torn']} torn" for k in orb.layers]  # fmt: skip
                out.append(f"orbits of {orb.n_inputs} inputs under {name} ({'; '.join(parts)}).")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"invariance": {k: v.as_dict() for k, v in self.invariance.items()},
                "equivariance": {k: v.as_dict() for k, v in self.equivariance.items()},
                "orbits": {k: v.as_dict() for k, v in self.orbits.items()}, "tol": self.tol,
                "findings": self.findings()}  # fmt: skip

    def plot(self) -> Any:
        from ..plotting.symmetry import plot_symmetry_summary

        return plot_symmetry_summary(self)


def _upper(res: Any) -> np.ndarray:
    iv = np.asarray(res.interval, dtype=float)[:, 1]
    return np.where(np.isfinite(iv), iv, np.asarray(res.error, dtype=float))


def symmetry_summary(model: Any, X: Any, actions: Any, layers: Any = None, *, n_samples: int | None = 1000,
                     n_bootstrap: int = 200, orbits: bool = True, n_inputs: int = 8, n_steps: int = 64,
                     threshold: str = "universal", tol: float = 0.05, batch_size: int = 256,
                     seed: int | None = 0) -> SymmetrySummary:  # fmt: skip
    """Invariance and equivariance for every action, and orbit topology for the closed ones.

    Parameters
    ----------
    model : torch.nn.Module
    X : tensor or ndarray of shape (n_samples, ...)
    actions : list of actions or names, dict, or str
        See :func:`parse_actions` (``"rotate,translate,flip"`` works).
    layers : as in :func:`tda_nn.capture`
    n_samples, n_bootstrap, batch_size, seed
        As in :func:`tda_nn.nn.symmetry.invariance`.
    orbits : bool, default=True
        Also run :func:`orbit_topology` for continuous closed actions (``Rotate``, ``Translate``).
    n_inputs, n_steps, threshold
        As in :func:`orbit_topology`.
    tol : float, default=0.05
        Error below which the findings call a layer invariant (equivariant).

    Returns
    -------
    SymmetrySummary
        ``.invariance[name]``, ``.equivariance[name]``, ``.orbits[name]``, ``.findings()``, ``.plot()``.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular"),
    ...                             torch.nn.AdaptiveAvgPool2d(1))
    >>> s = symmetry_summary(model, torch.randn(60, 1, 6, 6), "shift,flip", layers=["0", "1"], n_bootstrap=20)
    >>> s.findings()[0]
    'invariance to shift is complete (error < 0.05) from 1 on.'
    """
    from .orbits import orbit_topology
    from .symmetry import equivariance, invariance

    acts = parse_actions(actions)
    kw = dict(n_samples=n_samples, n_bootstrap=n_bootstrap, batch_size=batch_size, seed=seed)
    inv = invariance(model, X, acts, layers=layers, **kw)  # one capture of X shared by the actions
    eqv, orb = {}, {}
    for name, a in acts.items():
        eqv[name] = equivariance(model, X, a, layers=list(inv[name].layers), **kw)
        shape = tuple(getattr(X, "shape", ()))
        # orbits are closed curves only for continuous closed actions (a few group elements
        # give a few points, where no H1 bar can be judged significant)
        if orbits and getattr(a, "continuous", False) and len(shape) > 1 and a.period(shape) is not None:
            orb[name] = orbit_topology(model, X, a, n_steps=n_steps, layers=list(inv[name].layers),
                                       n_inputs=n_inputs, threshold=threshold, batch_size=batch_size,
                                       seed=seed)  # type: ignore[arg-type]  # fmt: skip
    return SymmetrySummary(inv, eqv, orb, float(tol))
