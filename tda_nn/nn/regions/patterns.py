"""Activation patterns of a batch of inputs (the sign of every unit's pre-activation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...validation import check_int
from ._common import _cumulative_ids, _row_ids
from ._probe import _inputs, _Probe

__all__ = ['ActivationPatterns', 'activation_patterns']


@dataclass(frozen=True, repr=False)
class ActivationPatterns:
    """Bit-packed ReLU sign patterns of a set of inputs, per layer.

    Attributes
    ----------
    layers : tuple of str
        Recorded modules in the order the forward pass calls them (a module called
        twice appears as ``name`` and ``name#1``).
    bits : tuple of ndarray of shape (n_inputs, ceil(n_units[l] / 8)), dtype uint8
        ``np.packbits`` of the boolean patterns ``z > 0`` along units (big-endian bit
        order, zero-padded).
    n_units : tuple of int
        Units per layer (all positions of a convolution's feature map count).
    n_inputs : int

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.eye(3, 2)); _ = net[0].bias.zero_()
    >>> P = activation_patterns(net, np.array([[1.0, 1.0], [1.0, -1.0], [2.0, 3.0]]))
    >>> P.count(), P.unpack(0).astype(int).tolist()
    (2, [[1, 1, 0], [1, 0, 0], [1, 1, 0]])
    """

    layers: tuple[str, ...]
    bits: tuple[np.ndarray, ...]
    n_units: tuple[int, ...]
    n_inputs: int

    def _index(self, layer: int | str) -> int:
        if isinstance(layer, str):
            if layer not in self.layers:
                raise ValueError(f"layer {layer!r} is not among the recorded layers {list(self.layers)}.")
            return self.layers.index(layer)
        idx = check_int(layer, name="layer", min_value=-len(self.layers), max_value=len(self.layers) - 1)
        return idx % len(self.layers)

    def unpack(self, layer: int | str) -> np.ndarray:
        """Boolean patterns of one layer, ndarray of shape (n_inputs, n_units)."""
        i = self._index(layer)
        return np.unpackbits(self.bits[i], axis=1, count=self.n_units[i]).astype(bool)

    def region_ids(self, layer: int | str = -1) -> np.ndarray:
        """Region id of each input, by the patterns of all layers up to ``layer`` (int64, shape (n_inputs,))."""
        i = self._index(layer)
        return _cumulative_ids(self.bits[: i + 1])[-1][0]

    def count(self, layer: int | str = -1) -> int:
        """Number of distinct patterns of the layers up to ``layer`` (default: all layers)."""
        i = self._index(layer)
        return _cumulative_ids(self.bits[: i + 1])[-1][1]

    def cumulative_counts(self) -> np.ndarray:
        """Distinct patterns of layers ``0..l`` for every ``l``, int64 ndarray of shape (n_layers,)."""
        return np.array([k for _, k in _cumulative_ids(self.bits)], dtype=np.int64)

    def layer_counts(self) -> np.ndarray:
        """Distinct patterns of each layer on its own, int64 ndarray of shape (n_layers,)."""
        return np.array([_row_ids(B)[1] for B in self.bits], dtype=np.int64)

    @property
    def nbytes(self) -> int:
        return int(sum(B.nbytes for B in self.bits))

    def __repr__(self) -> str:
        return (f"ActivationPatterns(n_inputs={self.n_inputs}, layers={len(self.layers)}, "
                f"n_units={self.n_units}, {self.nbytes / 2**20:.2f} MiB)")


def activation_patterns(model: Any, X: Any, *, layers: Any = None, batch_size: int = 4096) -> ActivationPatterns:
    """Record the ReLU sign pattern of every unit for every input.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode under ``torch.no_grad``; its modes are restored afterwards.
    X : array-like of shape (n_samples, *input_shape)
    layers : str, type, or list of those, optional
        Modules to read (names, glob patterns, module types, as in :func:`tda_nn.nn.capturing`).
        Default: every ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.PReLU`` and ``nn.RReLU``.
    batch_size : int, default=4096

    Returns
    -------
    ActivationPatterns

    Raises
    ------
    ValueError
        The model has no ReLU-type module; ``X`` does not fit the model.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> P = activation_patterns(net, np.random.default_rng(0).normal(size=(100, 2)))
    >>> P.layers, P.n_units, P.bits[0].shape
    (('1',), (8,), (100, 1))
    """
    X = _inputs(X, "X")
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    with _Probe(model, layers, X.shape[1:], batch_size, "X") as probe:
        B, _ = probe(X.reshape(len(X), -1))
    return ActivationPatterns(tuple(probe.layers or ()), probe.split(B), probe.n_units, len(X))


# -- paths ---------------------------------------------------------------------------------------
