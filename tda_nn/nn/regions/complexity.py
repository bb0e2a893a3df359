"""Local complexity: how densely region boundaries crowd around each data point.

Humayun, Balestriero and Baraniuk ("Deep networks always grok and here is why",
ICML 2024) measure, around each sample ``x``, the density of the boundaries of the
network's linear regions in a small neighbourhood, and follow it over training: it
falls, rises, then falls again during long training, as the boundaries migrate away
from the training samples and toward the decision boundary.

Two neighbourhoods are offered:

``'segments'`` (default)
    ``n_directions`` segments ``x - r d -> x + r d`` through ``x`` (random unit
    directions ``d``, orthonormal in blocks of the input dimension, so that the first
    block is the diagonals of a cross-polytope of radius ``r``). Each segment's region
    boundaries are counted exactly, as in :func:`tda_nn.regions_on_path` (bisection to
    ``tol``; regions are convex, so no boundary is missed except inside a final
    interval). The value at ``x`` for layer ``l`` is the mean number of crossings per
    segment at which the pattern of layer ``l`` changes while those of layers ``< l``
    do not; summed over layers it is the mean number of boundaries crossed.
``'polytope'``
    The paper's count: a unit of layer ``l`` is *near* ``x`` when its pre-activation
    does not have one sign on the ``2 n_directions`` vertices ``x +- r d`` of the
    cross-polytope (with orthonormal ``d``); the value is the number of such units.
    For the first layer it is the number of hyperplanes meeting the cross-polytope.

Intervals are bootstrap percentile intervals of the mean over samples.

**Along lines: Hanin and Rolnick's check** ("Complexity of linear regions in deep
networks", ICML 2019). The number of regions a random line meets grows about linearly
in the number of neurons, not exponentially in depth. Measured with
:func:`tda_nn.regions_on_path` (mean boundary crossings per unit length over 60 random
lines of length 2 through the unit ball, 3 networks each; He-normal weights, biases
N(0, 0.1^2), input dimension 4), for ``N`` neurons split over 1, 2, 4, 8 layers::

    N=16:   5.6   5.9   4.8   2.5      (0.29 per neuron)
    N=32:  11.7  10.5  11.8   7.4      (0.32)
    N=64:  22.7  21.9  22.8  19.6      (0.34)
    N=128: 45.3  45.4  44.2  46.3      (0.35)

Depth leaves the count unchanged at initialisation (width-2 layers at N=16 lose units
to dead ReLUs). After training on two spirals (Adam 3e-3, 3,000 steps, accuracy
0.97-1.00; PyTorch's default initialisation, 30 lines of length 2 through the data)
the count stays linear in ``N`` and depth raises it by a bounded factor, far from
``2^depth``: depth 1, 2, 4 give 6.7, 9.7, 13.1 crossings per unit length at N=32,
15.3, 19.5, 25.4 at N=64 and 27.3, 50.4, 49.9 at N=128.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ...validation import as_numpy, check_choice, check_int, check_real, check_seed, find_stack_level
from ._probe import _inputs, _Probe
from .paths import _layer_changes, _trace

__all__ = ["LocalComplexity", "local_complexity"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False)
class LocalComplexity:
    """Local complexity of a network around each sample, per layer, with bootstrap intervals.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_layers)
        Per sample and layer: mean boundary crossings per segment (``'segments'``) or
        units whose sign changes on the cross-polytope (``'polytope'``).
    total : ndarray of shape (n_samples,)
        ``values.sum(axis=1)``.
    mean, low, high : ndarray of shape (n_layers,)
        Mean over samples and its bootstrap interval.
    total_mean, total_low, total_high : float
    layers : tuple of str
    radius : float
    n_directions : int
    method : {'segments', 'polytope'}
    confidence : float
    n_boot : int
    """

    values: np.ndarray
    total: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    total_mean: float
    total_low: float
    total_high: float
    layers: tuple[str, ...]
    radius: float
    n_directions: int
    method: str
    confidence: float
    n_boot: int

    def as_dict(self, prefix: str = "local_complexity") -> dict[str, float]:
        """Flat scalars for a training log: ``prefix``, ``prefix_low``, ``prefix_high``, ``prefix/<layer>``."""
        out = {prefix: self.total_mean, f"{prefix}_low": self.total_low, f"{prefix}_high": self.total_high}
        for name, m, lo, hi in zip(self.layers, self.mean, self.low, self.high):
            out.update({f"{prefix}/{name}": float(m), f"{prefix}/{name}_low": float(lo),
                        f"{prefix}/{name}_high": float(hi)})  # fmt: skip
        return out

    def __repr__(self) -> str:
        return (
            f"LocalComplexity(total={self.total_mean:.3g} [{self.total_low:.3g}, {self.total_high:.3g}], "
            f"per_layer={np.round(self.mean, 3).tolist()}, radius={self.radius:g}, method={self.method!r})"
        )


def _directions(n: int, k: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """(n, k, d) unit directions, orthonormal within consecutive blocks of ``min(k, d)``."""
    out = np.empty((n, k, d))
    for j in range(0, k, d):
        b = min(d, k - j)
        G = rng.normal(size=(n, d, b))
        Q, R = np.linalg.qr(G)
        Q = Q * np.sign(np.diagonal(R, axis1=1, axis2=2))[:, None, :]  # uniform (Haar) frames
        out[:, j : j + b] = Q.transpose(0, 2, 1)
    return out


def _bootstrap(values: np.ndarray, n_boot: int, confidence: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    n = len(values)
    means = np.empty((n_boot, values.shape[1]))
    for i0 in range(0, n_boot, 256):
        idx = rng.integers(0, n, size=(min(256, n_boot - i0), n))
        means[i0 : i0 + len(idx)] = values[idx].mean(axis=1)
    a = (1.0 - confidence) / 2.0
    return np.quantile(means, a, axis=0), np.quantile(means, 1.0 - a, axis=0)


def local_complexity(
    model: Any,
    X: Any,
    *,
    radius: float | None = None,
    layers: Any = None,
    n_directions: int = 8,
    method: Literal["segments", "polytope"] = "segments",
    directions: Any = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
    tol: float = 1e-6,
    n_samples: int = 16,
    batch_size: int = 4096,
) -> LocalComplexity:
    """Density of region boundaries around each sample, per layer (Humayun et al., ICML 2024).

    See the module's notes for the two neighbourhoods. Call it on a fixed ``X`` (and
    ``seed``) at every logged training step to follow the fall, rise and second fall
    the paper reports; :meth:`LocalComplexity.as_dict` gives the scalars to log.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode under ``torch.no_grad`` (modes restored).
    X : array-like of shape (n_samples, *input_shape)
    radius : float, optional
        ``r``; default 5% of the root-mean-square distance of ``X`` to its mean.
    layers : optional
        Modules whose patterns count, as in :func:`tda_nn.activation_patterns`.
    n_directions : int, default=8
        Segments per sample (``'segments'``) or half the cross-polytope's vertices.
    method : {'segments', 'polytope'}, default='segments'
    directions : array-like of shape (n_directions, *input_shape), optional
        The same directions for every sample (normalised here); default random ones.
    confidence : float, default=0.95
    n_boot : int, default=1000
    seed : int or None, default=0
        Seeds the directions and the bootstrap (``None``: fresh entropy).
    tol : float, default=1e-6
        Width, as a fraction of the segment, to which crossings are bisected.
    n_samples : int, default=16
        Initial samples per segment before bisection.
    batch_size : int, default=4096

    Returns
    -------
    LocalComplexity

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(2)); _ = net[0].bias.zero_()
    >>> lc = local_complexity(net, [[0.05, 3.0], [3.0, 3.0]], radius=0.1, directions=[[1.0, 0.0]])
    >>> lc.total.tolist()      # the first sample's segment crosses the line x = 0
    [1.0, 0.0]
    """
    X = _inputs(X, "X")
    method = check_choice(method, name="method", choices=("segments", "polytope"))
    seed = check_seed(seed)
    n_boot = check_int(n_boot, name="n_boot", min_value=1)
    confidence = check_real(confidence, name="confidence", min_value=0.0, strict=True)
    if confidence >= 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    tol = check_real(tol, name="tol", min_value=0.0, strict=True)
    n_samples = check_int(n_samples, name="n_samples", min_value=2)
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    F = X.reshape(len(X), -1)
    n, d = F.shape
    if radius is None:
        rms = float(np.sqrt(((F - F.mean(axis=0)) ** 2).sum(axis=1).mean())) if n > 1 else 0.0
        radius = 0.05 * rms if rms > 0 else 0.05
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    rng = np.random.default_rng(seed)
    if directions is not None:
        D = as_numpy(directions, name="directions", dtype=np.float64)
        if D.ndim < 2 or len(D) == 0 or D[0].size != d:
            raise ValueError(f"directions must have shape (n_directions, *input_shape) with {d} features per "
                             f"direction, got shape {D.shape}.")  # fmt: skip
        D = D.reshape(len(D), d)
        norms = np.linalg.norm(D, axis=1)
        if not np.all(norms > 0):
            raise ValueError("directions must be non-zero vectors.")
        D = np.broadcast_to((D / norms[:, None])[None], (n, len(D), d))
        n_directions = len(D[0])
    else:
        n_directions = check_int(n_directions, name="n_directions", min_value=1)
        D = _directions(n, n_directions, d, rng)
    k = n_directions
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        if method == "segments":
            A = (F[:, None] - radius * D).reshape(n * k, d)
            B = (F[:, None] + radius * D).reshape(n * k, d)
            seg, _, bits = _trace(probe, A, B, n_samples=n_samples, tol=tol, max_depth=60)
            L = len(probe.n_units)
            i = np.flatnonzero(seg[:-1] == seg[1:])
            changes = _layer_changes(bits, probe.offsets, i, i + 1).astype(np.int64)  # cumulative over layers
            cum = np.zeros((n * k, L), dtype=np.int64)
            np.add.at(cum, seg[i], changes)
            per = np.diff(cum, axis=1, prepend=0).reshape(n, k, L).mean(axis=1).astype(np.float64)
        else:
            V = np.concatenate([F[:, None] + radius * D, F[:, None] - radius * D], axis=1).reshape(-1, d)
            B, _ = probe(V)
            parts = probe.split(B)
            L = len(parts)
            per = np.zeros((n, L))
            for li, (bits_l, units) in enumerate(zip(parts, probe.n_units)):
                Z = np.unpackbits(bits_l, axis=1, count=units).reshape(n, 2 * k, units).astype(bool)
                per[:, li] = (Z.any(axis=1) & ~Z.all(axis=1)).sum(axis=1)
        names = tuple(probe.layers or ())
    if n < 2:
        warnings.warn(
            "X holds one sample: the bootstrap interval is a point.", UserWarning, stacklevel=find_stack_level()
        )
    low, high = _bootstrap(per, n_boot, confidence, rng)
    total = per.sum(axis=1)
    tlow, thigh = _bootstrap(total[:, None], n_boot, confidence, rng)
    return LocalComplexity(
        values=_readonly(per),
        total=_readonly(total),
        mean=_readonly(per.mean(axis=0)),
        low=_readonly(low),
        high=_readonly(high),
        total_mean=float(total.mean()),
        total_low=float(tlow[0]),
        total_high=float(thigh[0]),
        layers=names,
        radius=radius,
        n_directions=k,
        method=method,
        confidence=confidence,
        n_boot=n_boot,
    )
