"""Topology of orbits: what each layer does to the closed curve ``t -> g_t x``.

For a closed one-parameter action (rotation by angles in ``[0, 2 pi)``, cyclic or
Fourier translation over a whole period), the orbit of an input is a closed curve
in input space, with one H1 bar. Every measure is **relative**: an orbit's size at
a layer is its diameter over the layer's scale (the median distance between points
of different inputs' orbits), ``rho``, and its **shrink** is ``rho`` at the layer
over ``rho`` in input space. At each layer an orbit

- **collapses**: ``rho < collapse_tol`` (the layer is invariant along the orbit, to
  that fraction of its own scale);
- is **kept**: its loop is significant and ``shrink >= shrink_factor``;
- is **shrunk**: its loop is significant but ``shrink < shrink_factor`` (the loop is
  kept, its size relative to the layer's scale reduced by more than that factor:
  what averaging over a finite subgroup does to a continuous orbit);
- **tears**: neither (no significant loop, non-negligible size: the curve folded onto
  an arc or a segment).

Significance of the loop. The default, ``threshold='universal'``: the smallest
Bonferroni-adjusted p-value of the orbit's H1 bars under the universal null
(:func:`tda_nn.diagnostics.significance.significant_bars`; an orbit has few bars, so
the null's location is pooled with reference bars) is at most ``alpha``; the
p-values are in ``pvalue``. ``threshold='gap'``: a bar is significant when its
lifetime exceeds twice the largest distance between consecutive orbit points (the
orbit is an ordered sample of a curve, within half a gap of it, so by stability
bars from sampling alone live at most two gaps); on an orbit that winds several
times around a small loop (a model averaged over a subgroup) consecutive points
are far apart along the loop and this rule misses it. ``threshold='bootstrap'``:
the Fasy et al. 2014 band, wide at 48-64 points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..validation import check_int, check_positive_int, check_probability, check_real, check_seed
from . import _symcore as core

__all__ = ["OrbitTopology", "orbit_topology"]

STATES = ("kept", "shrunk", "collapsed", "torn")


@dataclass(frozen=True, repr=False)
class OrbitTopology:
    """Per layer, what became of the orbits of ``n_inputs`` inputs.

    Attributes
    ----------
    action : str
    layers : tuple of str
    params : ndarray of shape (n_steps,)
        The parameters of the orbit points (one period).
    fractions : dict of str to dict
        ``fractions[layer] = {'kept': ..., 'shrunk': ..., 'collapsed': ..., 'torn': ...}`` (sum 1).
    diameter : dict of str to ndarray of shape (n_inputs,)
        Relative orbit diameters ``rho`` (diameter / the layer's median distance
        between points of different inputs' orbits).
    n_bars : dict of str to ndarray of shape (n_inputs,)
        Significant H1 bars of each orbit (0 for collapsed orbits, not computed).
    status : dict of str to tuple of str
        ``'kept'``, ``'shrunk'``, ``'collapsed'`` or ``'torn'`` per input.
    threshold : str
        ``'universal'``, ``'gap'`` or ``'bootstrap'``.
    collapse_tol : float
    shrink : dict of str to ndarray of shape (n_inputs,)
        ``rho`` at the layer over ``rho`` of the same orbit in input space.
    pvalue : dict of str to ndarray of shape (n_inputs,)
        ``threshold='universal'``: smallest adjusted p-value of the orbit's H1 bars
        (NaN for collapsed orbits and the other thresholds).
    shrink_factor : float
    alpha : float
    """

    action: str
    layers: tuple[str, ...]
    params: np.ndarray
    fractions: dict[str, dict[str, float]]
    diameter: dict[str, np.ndarray] = field(repr=False)
    n_bars: dict[str, np.ndarray] = field(repr=False)
    status: dict[str, tuple[str, ...]] = field(repr=False)
    threshold: str = "universal"
    collapse_tol: float = 0.01
    shrink: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    pvalue: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    shrink_factor: float = 0.5
    alpha: float = 0.05

    @property
    def n_inputs(self) -> int:
        return len(next(iter(self.status.values()))) if self.status else 0

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per layer, how many inputs' orbits were kept, shrunk, collapsed and torn."""
        return {k: {s: int(sum(v == s for v in st)) for s in STATES} for k, st in self.status.items()}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}: " + "/".join(str(c[s]) for s in STATES) for k, c in self.counts.items())
        return (f"OrbitTopology({self.action}, {len(self.params)} steps, {self.n_inputs} inputs; "
                f"kept/shrunk/collapsed/torn {body})")

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "layers": list(self.layers), "params": self.params.tolist(),
                "fractions": self.fractions, "diameter": {k: v.tolist() for k, v in self.diameter.items()},
                "n_bars": {k: v.tolist() for k, v in self.n_bars.items()},
                "status": {k: list(v) for k, v in self.status.items()}, "threshold": self.threshold,
                "collapse_tol": self.collapse_tol, "shrink_factor": self.shrink_factor, "alpha": self.alpha,
                "shrink": {k: v.tolist() for k, v in self.shrink.items()},
                "pvalue": {k: v.tolist() for k, v in self.pvalue.items()}}  # fmt: skip

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The three fractions across depth; returns the matplotlib Axes."""
        from ..plotting.symmetry import plot_orbit_fractions

        return plot_orbit_fractions(self, ax=ax, **kwargs)


def _orbit_params(action: Any, shape: tuple[int, ...], n_steps: int) -> np.ndarray:
    period = action.period(shape)
    if period is None:
        raise ValueError(f"orbit_topology needs a closed one-parameter action (Rotate, Translate, CyclicShift, Rot90, "
                         f"Action(..., period=...)); {action!r} has no period.")  # fmt: skip
    t = np.arange(n_steps) * (period / n_steps)
    if not getattr(action, "continuous", False):
        t = np.unique(np.round(t) % period)  # whole steps: at most one point per group element
    if len(t) < 3:
        raise ValueError(f"an orbit needs at least 3 distinct points to form a loop; {action!r} with n_steps={n_steps} "
                         f"gives {len(t)}. Raise n_steps or use a longer period.")  # fmt: skip
    return t


def _pdist(F: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import pdist, squareform

    return squareform(pdist(F))  # from differences: a Gram-matrix shortcut loses the small distances


def _typical(F: np.ndarray, rng: np.random.Generator, n_pairs: int = 4000) -> float:
    """Median distance between points of different inputs' orbits; F of shape (m, n, d)."""
    m, n = F.shape[:2]
    i = rng.integers(0, m, n_pairs)
    k = (i + rng.integers(1, m, n_pairs)) % m
    a, b = rng.integers(0, n, n_pairs), rng.integers(0, n, n_pairs)
    return float(np.median(np.linalg.norm(F[i, a] - F[k, b], axis=1)))


def _loop(D: np.ndarray, how: str, alpha: float, n_bootstrap: int, seed: Any) -> tuple[int, float]:
    """Significant H1 bars of one orbit (distance matrix ``D``) and, for 'universal', the smallest adjusted p."""
    from ..diagnostics.significance import significant_bars
    from ..homology import persistence

    if how in ("universal", "bootstrap"):
        res = significant_bars(D, metric="precomputed", maxdim=1, alpha=alpha, method=how,
                               n_bootstrap=n_bootstrap, seed=0 if seed is None else seed)
        return res.n_significant(1), (res.min_pvalue(1) if how == "universal" else float("nan"))
    h1 = np.asarray(persistence(D, maxdim=1, metric="precomputed")[1]).reshape(-1, 2)
    gap = float(np.max(np.diag(np.roll(D, -1, axis=1))))  # consecutive points, cyclically
    life = h1[:, 1] - h1[:, 0]
    return int(np.sum(life > 2 * gap)), float("nan")


def _input_orbits(X: Any, action: Any, t: np.ndarray, m: int, batch_size: int) -> np.ndarray:
    """The orbits in input space, flattened: shape (m, n_steps, n_features)."""
    F = np.concatenate([np.asarray(b.detach().cpu().reshape(len(b), -1), dtype=np.float64)
                        for b in core._batches(X.repeat_interleave(len(t), dim=0), X.device, batch_size, action,
                                               np.tile(t, m))])  # fmt: skip
    return F.reshape(m, len(t), -1)


def _relative_diameters(F: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    typical = _typical(F, rng)
    diam = np.array([float(_pdist(f).max()) for f in F])
    return diam / typical if typical > 0 else np.where(diam == 0, 0.0, np.inf)


def orbit_topology(model: Any, X: Any, action: Any, *, n_steps: int = 64, layers: Any = None, n_inputs: int = 16,
                   threshold: Literal["universal", "gap", "bootstrap"] = "universal", collapse_tol: float = 0.01,
                   shrink_factor: float = 0.5, alpha: float = 0.05, n_bootstrap: int = 100, batch_size: int = 256,
                   seed: int | None = 0) -> OrbitTopology:  # fmt: skip
    """What each layer does to the closed orbits ``{g_t x : t in one period}`` of a few inputs.

    Parameters
    ----------
    model : torch.nn.Module
    X : tensor or ndarray of shape (n_samples, ...)
    action : closed one-parameter action
        ``Rotate``, ``Translate``, ``CyclicShift``, ``Rot90`` or ``Action(..., period=p)``.
    n_steps : int, default=64
        Orbit points per input, evenly spaced over one period (discrete actions use
        whole steps, at most one point per group element).
    layers : as in :func:`tda_nn.capture`
    n_inputs : int, default=16
        Inputs whose orbits are followed (drawn with ``seed``); at least 2, since
        diameters are relative to distances between different inputs.
    threshold : {'universal', 'gap', 'bootstrap'}, default='universal'
        How an H1 bar is judged significant (see the module docstring).
    collapse_tol : float, default=0.01
        Relative diameter ``rho`` (diameter / the layer's scale) below which an orbit
        counts as collapsed.
    shrink_factor : float, default=0.5
        A kept loop whose ``rho`` fell below this fraction of its input-space ``rho``
        is reported "shrunk".
    alpha, n_bootstrap
        Level of the loop test; resamples of the bootstrap band (at least ``ceil(1 / alpha)``
        for ``threshold='bootstrap'``).
    batch_size, seed

    Returns
    -------
    OrbitTopology
        ``.fractions[layer]``, ``.diameter[layer]``, ``.counts``, ``.plot()``.

    Examples
    --------
    >>> import torch
    >>> from tda_nn.nn.actions import Translate
    >>> model = torch.nn.Sequential(torch.nn.Linear(9, 12), torch.nn.Linear(12, 1))
    >>> x = torch.arange(1.0, 5.0)[:, None] * torch.cos(2 * torch.pi * torch.arange(9.0) / 9)  # orbits: circles
    >>> res = orbit_topology(model, x, Translate(), n_steps=36, layers=["input", "0", "1"])
    >>> res.fractions["input"]["kept"], res.fractions["1"]["torn"]  # a line cannot hold a loop
    (1.0, 1.0)
    """
    if threshold not in ("universal", "gap", "bootstrap"):
        raise ValueError(f"threshold must be 'universal', 'gap' or 'bootstrap', got {threshold!r}.")
    n_steps = check_int(n_steps, name="n_steps", min_value=3)
    n_inputs = check_int(n_inputs, name="n_inputs", min_value=2)  # diameters are relative to other inputs
    collapse_tol = check_real(collapse_tol, name="collapse_tol", min_value=0.0)
    shrink_factor = check_real(shrink_factor, name="shrink_factor", min_value=0.0)
    if not shrink_factor < 1.0:
        raise ValueError(f"shrink_factor must be in [0, 1), got {shrink_factor}; e.g. 0.5 calls a loop shrunk "
                         "when its relative size halved.")
    alpha = check_probability(alpha, name="alpha")
    check_int(n_bootstrap, name="n_bootstrap", min_value=1, max_value=10_000)
    check_positive_int(batch_size, name="batch_size")
    check_seed(seed)
    how = threshold
    X = core.check_inputs(model, X, action, n_inputs, seed)
    t = _orbit_params(action, tuple(X.shape), int(n_steps))
    m, n = len(X), len(t)
    Xo = X.repeat_interleave(n, dim=0)
    acts = core.capture_full(model, Xo, layers, batch_size=batch_size, action=action, t=np.tile(t, m))
    rng = np.random.default_rng(seed)
    rho_in = _relative_diameters(_input_orbits(X, action, t, m, batch_size), np.random.default_rng(seed))
    fractions, diameter, n_bars, status, shrink, pvalue = {}, {}, {}, {}, {}, {}
    for name in acts.layers:
        F = core.flat(acts[name]).reshape(m, n, -1).astype(np.float64, copy=False)
        diam = _relative_diameters(F, rng)
        bars, pv, st = np.zeros(m, dtype=np.int64), np.full(m, np.nan), []
        with np.errstate(divide="ignore", invalid="ignore"):
            sh = np.where(rho_in > 0, diam / np.where(rho_in > 0, rho_in, 1.0), np.nan)
        for i in range(m):
            if diam[i] < collapse_tol:
                st.append("collapsed")
                continue
            bars[i], pv[i] = _loop(_pdist(F[i]), how, alpha, n_bootstrap, seed)
            if bars[i] == 0:
                st.append("torn")
            else:
                st.append("shrunk" if sh[i] < shrink_factor else "kept")
        fractions[name] = {s: sum(v == s for v in st) / m for s in STATES}
        diameter[name], n_bars[name], status[name], shrink[name], pvalue[name] = diam, bars, tuple(st), sh, pv
    return OrbitTopology(repr(action), tuple(acts.layers), t, fractions, diameter, n_bars, status, how,
                         float(collapse_tol), shrink, pvalue, float(shrink_factor), float(alpha))  # fmt: skip
