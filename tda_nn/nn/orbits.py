"""Topology of orbits: what each layer does to the closed curve ``t -> g_t x``.

For a closed one-parameter action (rotation by angles in ``[0, 2 pi)``, cyclic or
Fourier translation over a whole period), the orbit of an input is a closed curve
in input space, with one H1 bar. Its image at a layer either

- **collapses**: relative diameter (orbit diameter / the layer's median distance
  between points of different inputs' orbits) below ``collapse_tol``: the layer is
  invariant along the orbit;
- **keeps** its loop: at least one significant H1 bar;
- **tears**: neither (no loop, non-negligible diameter: the curve folded onto an arc
  or a segment).

Significance. The default, ``threshold='gap'``: a bar is significant when its
lifetime exceeds twice the largest distance between consecutive orbit points. The
orbit is an ordered, deterministic sample of a curve, so its sampling density is
known: the sampled orbit lies within half a gap of the curve it samples (where the
layer is Lipschitz along it), so by stability the diagrams differ by at most one gap
in bottleneck distance, and bars from sampling alone live at most two gaps. With
``threshold='bootstrap'``, ``significant_bars`` of ``tda_nn.diagnostics.significance``
(Fasy et al. 2014 subsampling band) treats the points as an i.i.d. sample instead;
at 48-64 points its band is wide (on a clean 48-step rotation orbit with an H1 bar of
lifetime 1.6 and gaps of 0.5 the band was 5.4; on 64 points of the unit circle 1.17
against a lifetime of 1.63), so it is offered, not the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from tda_nn.validation import check_int, check_positive_int, check_probability, check_real, check_seed

from . import _symcore as core

__all__ = ["OrbitTopology", "orbit_topology"]

STATES = ("kept", "collapsed", "torn")


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
        ``fractions[layer] = {'kept': ..., 'collapsed': ..., 'torn': ...}`` (sum 1).
    diameter : dict of str to ndarray of shape (n_inputs,)
        Relative orbit diameters.
    n_bars : dict of str to ndarray of shape (n_inputs,)
        Significant H1 bars of each orbit (0 for collapsed orbits, not computed).
    status : dict of str to tuple of str
        ``'kept'``, ``'collapsed'`` or ``'torn'`` per input.
    threshold : str
        ``'gap'`` or ``'bootstrap'``.
    collapse_tol : float
    """

    action: str
    layers: tuple[str, ...]
    params: np.ndarray
    fractions: dict[str, dict[str, float]]
    diameter: dict[str, np.ndarray] = field(repr=False)
    n_bars: dict[str, np.ndarray] = field(repr=False)
    status: dict[str, tuple[str, ...]] = field(repr=False)
    threshold: str = "gap"
    collapse_tol: float = 0.01

    @property
    def n_inputs(self) -> int:
        return len(next(iter(self.status.values()))) if self.status else 0

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per layer, how many inputs' orbits were kept, collapsed and torn."""
        return {k: {s: int(sum(v == s for v in st)) for s in STATES} for k, st in self.status.items()}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}: " + "/".join(str(c[s]) for s in STATES) for k, c in self.counts.items())
        return f"OrbitTopology({self.action}, {len(self.params)} steps, {self.n_inputs} inputs; kept/collapsed/torn {body})"

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "layers": list(self.layers), "params": self.params.tolist(),
                "fractions": self.fractions, "diameter": {k: v.tolist() for k, v in self.diameter.items()},
                "n_bars": {k: v.tolist() for k, v in self.n_bars.items()},
                "status": {k: list(v) for k, v in self.status.items()}, "threshold": self.threshold,
                "collapse_tol": self.collapse_tol}  # fmt: skip

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The three fractions across depth; returns the matplotlib Axes."""
        from tda_nn.plotting.symmetry import plot_orbit_fractions

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


def _significance() -> Any:
    try:
        from tda_nn.diagnostics.significance import significant_bars  # type: ignore[import-not-found]
    except ImportError:
        return None
    return significant_bars


def _n_significant(D: np.ndarray, pts: np.ndarray, how: str, alpha: float, n_bootstrap: int, seed: Any) -> int:
    if how == "bootstrap":
        sig = _significance()
        return int(sig(pts, maxdim=1, alpha=alpha, method="bootstrap", n_bootstrap=n_bootstrap, seed=seed).n_significant(1))
    import tda_nn

    h1 = np.asarray(tda_nn.persistence(D, maxdim=1, metric="precomputed")[1]).reshape(-1, 2)
    gap = float(np.max(np.diag(np.roll(D, -1, axis=1))))  # consecutive points, cyclically
    life = h1[:, 1] - h1[:, 0]
    return int(np.sum(life > 2 * gap))


def orbit_topology(model: Any, X: Any, action: Any, *, n_steps: int = 64, layers: Any = None, n_inputs: int = 16,
                   threshold: Literal["gap", "bootstrap"] = "gap", collapse_tol: float = 0.01,
                   alpha: float = 0.05, n_bootstrap: int = 100, batch_size: int = 256,
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
    threshold : {'gap', 'bootstrap'}, default='gap'
        How an H1 bar is judged significant (see the module docstring).
    collapse_tol : float, default=0.01
        Relative diameter below which an orbit counts as collapsed.
    alpha, n_bootstrap
        Level and resamples of the bootstrap significance.
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
    if threshold not in ("gap", "bootstrap"):
        raise ValueError(f"threshold must be 'gap' or 'bootstrap', got {threshold!r}.")
    n_steps = check_int(n_steps, name="n_steps", min_value=3)
    n_inputs = check_int(n_inputs, name="n_inputs", min_value=2)  # diameters are relative to other inputs
    collapse_tol = check_real(collapse_tol, name="collapse_tol", min_value=0.0)
    check_probability(alpha, name="alpha")
    check_int(n_bootstrap, name="n_bootstrap", min_value=1)
    check_positive_int(batch_size, name="batch_size")
    check_seed(seed)
    how = threshold
    if how == "bootstrap" and _significance() is None:
        raise ImportError("threshold='bootstrap' needs tda_nn.diagnostics.significance; use threshold='gap'.")
    X = core.check_inputs(model, X, action, n_inputs, seed)
    t = _orbit_params(action, tuple(X.shape), int(n_steps))
    m, n = len(X), len(t)
    Xo = X.repeat_interleave(n, dim=0)
    acts = core.capture_full(model, Xo, layers, batch_size=batch_size, action=action, t=np.tile(t, m))
    rng = np.random.default_rng(seed)
    fractions, diameter, n_bars, status = {}, {}, {}, {}
    for name in acts.layers:
        F = core.flat(acts[name]).reshape(m, n, -1)
        typical = _typical(F, rng)
        diam, bars, st = np.empty(m), np.zeros(m, dtype=np.int64), []
        for i in range(m):
            D = _pdist(F[i])
            d = float(D.max())
            diam[i] = d / typical if typical > 0 else (0.0 if d == 0 else np.inf)
            if diam[i] < collapse_tol:
                st.append("collapsed")
                continue
            bars[i] = _n_significant(D, F[i], how, alpha, n_bootstrap, seed)
            st.append("kept" if bars[i] > 0 else "torn")
        fractions[name] = {s: sum(v == s for v in st) / m for s in STATES}
        diameter[name], n_bars[name], status[name] = diam, bars, tuple(st)
    return OrbitTopology(repr(action), tuple(acts.layers), t, fractions, diameter, n_bars, status, how,
                         float(collapse_tol))  # fmt: skip
