"""Region transitions between pairs of data points (same class vs different classes)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...validation import as_numpy, check_int, find_stack_level
from ._common import _readonly
from ._probe import _inputs, _Probe
from .paths import _layer_changes, _path_defaults, _trace

__all__ = ['RegionDensity', 'region_density']


@dataclass(frozen=True, repr=False)
class RegionDensity:
    """Regions crossed by straight paths between pairs of samples.

    Attributes
    ----------
    same, different : ndarray of shape (n_pairs, n_layers)
        Regions crossed (cumulative per layer; the last column is the whole network)
        on paths between samples of the same class / of different classes.
    same_length, different_length : ndarray of shape (n_pairs,)
        Euclidean lengths of those paths.
    same_pairs, different_pairs : ndarray of shape (n_pairs, 2)
        Sample indices of each pair.
    layers : tuple of str
    """

    same: np.ndarray
    different: np.ndarray
    same_length: np.ndarray
    different_length: np.ndarray
    same_pairs: np.ndarray
    different_pairs: np.ndarray
    layers: tuple[str, ...]

    @property
    def same_mean(self) -> float:
        """Mean regions crossed between samples of the same class (whole network)."""
        return float(self.same[:, -1].mean()) if len(self.same) else math.nan

    @property
    def different_mean(self) -> float:
        """Mean regions crossed between samples of different classes (whole network)."""
        return float(self.different[:, -1].mean()) if len(self.different) else math.nan

    @property
    def same_per_length(self) -> float:
        """Mean boundary crossings per unit length, same class."""
        return _per_length(self.same[:, -1], self.same_length)

    @property
    def different_per_length(self) -> float:
        """Mean boundary crossings per unit length, different classes."""
        return _per_length(self.different[:, -1], self.different_length)

    def __repr__(self) -> str:
        return (f"RegionDensity(same_mean={self.same_mean:.2f}, different_mean={self.different_mean:.2f}, "
                f"n_pairs=({len(self.same)}, {len(self.different)}))")


def _per_length(counts: np.ndarray, length: np.ndarray) -> float:
    ok = length > 0
    return float(np.mean((counts[ok] - 1) / length[ok])) if ok.any() else math.nan


def _pairs(y: np.ndarray, n_pairs: int, same: bool, rng: np.random.Generator) -> np.ndarray:
    n = len(y)
    out = np.zeros((0, 2), dtype=np.int64)
    for _ in range(50):  # rejection sampling in batches; classes are rarely that unbalanced
        i = rng.integers(0, n, size=4 * n_pairs)
        j = rng.integers(0, n, size=4 * n_pairs)
        ok = (i != j) & ((y[i] == y[j]) if same else (y[i] != y[j]))
        out = np.concatenate([out, np.column_stack([i[ok], j[ok]])])
        if len(out) >= n_pairs:
            break
    return out[:n_pairs]


def region_density(
    model: Any,
    X: Any,
    y: Any,
    *,
    n_pairs: int = 100,
    seed: int = 0,
    tol: float = 1e-6,
    n_samples: int = 32,
    max_depth: int = 60,
    layers: Any = None,
    batch_size: int = 4096,
) -> RegionDensity:
    """Regions crossed by straight paths between samples of the same and of different classes.

    Pairs ``(i, j)``, ``i != j``, are drawn uniformly with replacement among those of
    equal (resp. different) labels; each path is traced as in :func:`regions_on_path`,
    all of them in the same batched forward passes.

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, *input_shape)
    y : array-like of shape (n_samples,)
        Class labels.
    n_pairs : int, default=100
        Pairs of each kind.
    seed : int, default=0
    tol, n_samples, max_depth, layers, batch_size
        As in :func:`regions_on_path`.

    Returns
    -------
    RegionDensity

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> d = region_density(net, X, y, n_pairs=20)
    >>> d.same.shape, bool(d.different_mean >= 1)
    ((20, 1), True)
    """
    X = _inputs(X, "X", min_rows=2)
    y = as_numpy(y, name="y").ravel()
    if len(y) != len(X):
        raise ValueError(f"y must have one label per sample of X ({len(X)}), got {len(y)}.")
    n_pairs = check_int(n_pairs, name="n_pairs", min_value=1)
    seed = check_int(seed, name="seed", min_value=0)
    n_samples, tol, max_depth, batch_size = _path_defaults(n_samples, tol, max_depth, batch_size)
    rng = np.random.default_rng(seed)
    same, diff = _pairs(y, n_pairs, True, rng), _pairs(y, n_pairs, False, rng)
    if len(same) == 0:
        warnings.warn("y: no class has two samples; no same-class pairs.", UserWarning, stacklevel=find_stack_level())
    if len(diff) == 0:
        warnings.warn("y: all samples share one class; no different-class pairs.", UserWarning, stacklevel=find_stack_level())
    pairs = np.concatenate([same, diff])
    F = X.reshape(len(X), -1)
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        if len(pairs):
            seg, _, bits = _trace(probe, F[pairs[:, 0]], F[pairs[:, 1]], n_samples=n_samples, tol=tol,
                                  max_depth=max_depth)  # fmt: skip
        else:
            probe(F[:1])
            seg, bits = np.zeros(0, dtype=np.int64), np.zeros((0, int(probe.offsets[-1])), dtype=np.uint8)
    n_layers = len(probe.n_units)
    i = np.flatnonzero(seg[:-1] == seg[1:])
    changes = _layer_changes(bits, probe.offsets, i, i + 1)
    counts = np.ones((len(pairs), n_layers), dtype=np.int64)
    np.add.at(counts, seg[i], changes.astype(np.int64))
    length = np.linalg.norm(F[pairs[:, 1]] - F[pairs[:, 0]], axis=1) if len(pairs) else np.zeros(0)
    k = len(same)
    return RegionDensity(
        same=_readonly(counts[:k]),
        different=_readonly(counts[k:]),
        same_length=_readonly(length[:k]),
        different_length=_readonly(length[k:]),
        same_pairs=_readonly(same),
        different_pairs=_readonly(diff),
        layers=tuple(probe.layers or ()),
    )


# -- distance to the nearest boundary ------------------------------------------------------------
